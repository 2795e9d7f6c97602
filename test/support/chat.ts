// Starts the whole local chat (emulator + gateway + the real handlers) for a test file, and tracks
// the clients a test opens so each test ends with an empty room.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startLocalChat, type LocalChat, type LocalChatOptions } from '../../local/chat-server.ts';
import { ChatClient } from './client.ts';

export interface ChatHarness {
  readonly chat: LocalChat;
  connect(query?: Record<string, string>): Promise<ChatClient>;
  login(nickname: string): Promise<ChatClient>;
}

export function useLocalChat(options: LocalChatOptions = {}): ChatHarness {
  let chat: LocalChat | undefined;
  const open: ChatClient[] = [];
  beforeAll(async () => {
    chat = await startLocalChat({ port: 0, ...options });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((client) => client.close()));
    await waitUntil(() => chat?.gateway.connectionIds().length === 0);
  });
  afterAll(async () => {
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
  };
}

/** Polls a condition (a state change the test cannot subscribe to), failing after `timeoutMs`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
