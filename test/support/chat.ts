// Starts the whole local chat (emulator + gateway + the real handlers) for a test file, and tracks
// the clients a test opens so each test ends with an empty room.
//
// Synchronisation, in one place. Handlers of one connection's frames run concurrently (as on Lambda),
// so neither a reply nor the order of replies proves that other frames have finished. What does:
// - `settled(gateway, clients)`: no handler invocation is in flight, and every frame they posted has
//   reached each of `clients` (a ping round trip after idle). Then whatever a test checks by absence
//   ("nobody else got it", "exactly once") is final.
// - `allGone(gateway)`: every connection has closed at the gateway and its $disconnect has finished
//   (names released, rooms left), so the next test starts from an empty table.
// - `waitUntil(condition)`: polls a state no event announces; only for that.
// - `waitUntilTime(at)`: a genuine wait for time to pass (a configured rate window); never a sync.
// (Those two, and `sleep` for pacing, live in wait.ts; the waits for a client's own frames, events and
// close are the client's, in client.ts.)
import { afterAll, afterEach, beforeAll } from 'vitest';
import { containerChat } from '../../functions/container.ts';
import type { FanoutMetrics } from '../../functions/fanout.ts';
import { createStore, type ChatStore, type DynamoDbHttp } from '../../functions/store.ts';
import { startLocalChat, type LocalChat, type LocalChatOptions } from '../../local/chat-server.ts';
import { localStoreDynamoDb } from '../../local/dynamodb.ts';
import type { LocalGateway } from '../../local/gateway/index.ts';
import { ChatClient } from './client.ts';
import { waitUntil } from './wait.ts';

export interface ChatHarness {
  readonly chat: LocalChat;
  connect(query?: Record<string, string>): Promise<ChatClient>;
  login(nickname: string): Promise<ChatClient>;
  /** `settled()` on this chat's gateway. */
  settled(...clients: ChatClient[]): Promise<void>;
  /** A store on this chat's table, beside the handlers' own (for state no client can reach). */
  store(): ChatStore;
  /** The in-process handlers' fan-out counters for this chat's gateway (their container's fan-out). */
  fanoutMetrics(): FanoutMetrics;
}

export function useLocalChat(options: LocalChatOptions = {}): ChatHarness {
  let chat: LocalChat | undefined;
  let dynamodb: DynamoDbHttp | undefined;
  const open: ChatClient[] = [];
  beforeAll(async () => {
    // Leaves are announced at once unless a test asks for the resume grace (most wait for "X left").
    chat = await startLocalChat({ port: 0, ...options, env: { RESUME_GRACE_MS: '0', ...options.env } });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((client) => client.close()));
    // Closed sockets are not enough: a $disconnect still running holds its name and its room seat.
    if (chat) await allGone(chat.gateway);
  });
  afterAll(async () => {
    dynamodb?.destroy();
    await chat?.close();
  });
  const started = () => {
    if (!chat) throw new Error('the local chat has not started');
    return chat;
  };
  const track = (client: ChatClient) => {
    open.push(client);
    return client;
  };
  return {
    get chat() {
      return started();
    },
    connect: async (query) => track(await ChatClient.connect(started().url, query)),
    login: async (nickname) => track(await ChatClient.login(started().url, nickname)),
    settled: (...clients) => settled(started().gateway, clients),
    store: () => createStore((dynamodb ??= localStoreDynamoDb(started().dynamodbEndpoint)), { tableName: started().tableName }),
    fanoutMetrics: () => containerChat().fanoutAt(started().callbackUrl).metrics,
  };
}

/**
 * No handler is running any more and every frame they posted has reached `clients`: the gateway is
 * idle (each POST @connections was handed to its socket before the handler that made it returned),
 * then a ping round trip per client (its pong follows those frames on the wire).
 */
export async function settled(gateway: LocalGateway, clients: readonly ChatClient[] = []): Promise<void> {
  await gateway.whenIdle();
  await Promise.all(clients.map((client) => client.roundTrip()));
}

/** Every connection has ended at the gateway and every handler, each $disconnect included, has finished. */
export async function allGone(gateway: LocalGateway): Promise<void> {
  // A client's close resolves on its own side; the gateway's end (which starts $disconnect) may follow.
  await waitUntil(() => gateway.connectionIds().length === 0);
  await gateway.whenIdle();
}
