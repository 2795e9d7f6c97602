// DynamoDB throttling and transient errors (dynalite cannot throttle, so a proxy in front of it answers
// as DynamoDB does, to each attempt of the store's HTTP client): its retries absorb short bursts; when
// they run out, the sender gets INTERNAL_ERROR, never a silent loss, and everyone else's state is intact.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type DynamoDbHttp } from '../functions/store.ts';
import { withLocalAwsEnv } from '../local/aws-env.ts';
import { ensureTable, localStoreDynamoDb, startDynalite, type Emulator } from '../local/dynamodb.ts';
import { localDynamoClient } from '../local/dynamodb-sdk.ts';
import { startLocalGateway, type LocalGateway } from '../local/gateway/index.ts';
import { allGone } from './support/chat.ts';
import { ChatClient, HandshakeRefused } from './support/client.ts';
import { directChat } from './support/lambda.ts';
import { startDynamoDbProxy, type DynamoDbProxy } from './support/dynamodb-proxy.ts';
import { sessionKeys } from './support/table.ts';

let emulator: Emulator;
let client: DynamoDBClient;
let local: LocalGateway;
/** How many of the next DynamoDB calls fail with a throttling error. */
let failNext = 0;
/** Every call of this operation fails while set (e.g. 'UpdateItem'). */
let failOperation: string | undefined;
let proxy: DynamoDbProxy;
let storeDb: DynamoDbHttp;
let injected = 0;

beforeAll(async () => {
  // The management API client signs its requests; the local gateway accepts any credentials.
  withLocalAwsEnv();
  emulator = await startDynalite();
  client = localDynamoClient(emulator.endpoint);
  await ensureTable(emulator.endpoint, 'faults');
  proxy = await startDynamoDbProxy(emulator.endpoint, (operation) => {
    if (failNext <= 0 && operation !== failOperation) return undefined;
    failNext = Math.max(0, failNext - 1);
    injected += 1;
    return { status: 400, type: 'ProvisionedThroughputExceededException', message: 'Rate of requests exceeds the allowed throughput.' };
  });
  storeDb = localStoreDynamoDb(proxy.endpoint);
  const chat = directChat({ store: createStore(storeDb, { tableName: 'faults' }), callbackUrl: () => local.callbackUrl, rateLimit: { frames: 0, windowMs: 0 } });
  local = await startLocalGateway({
    port: 0,
    routes: { $connect: chat.connect, $disconnect: chat.disconnect, $default: chat.message, message: chat.message },
  });
});

// Each test closes its clients; their $disconnect handlers must be done before the next one injects
// failures (which any DynamoDB call would take) and before it counts the table's items.
afterEach(() => allGone(local));

afterAll(async () => {
  await local.close();
  storeDb.destroy();
  await proxy.close();
  client.destroy();
  await emulator.close();
});

/** Connection and nickname-claim items in the table. */
async function sessionItems(): Promise<number> {
  return (await sessionKeys(emulator.endpoint, 'faults')).length;
}

async function login(nickname: string): Promise<ChatClient> {
  return ChatClient.login(local.url, nickname);
}

describe('DynamoDB throttling', () => {
  it('a short burst is absorbed by the store client’s retries: the message goes out as usual', async () => {
    const alice = await login('alice');
    const bob = await login('bob');
    await local.whenIdle(); // nothing else is running to take the injected failures
    failNext = 2; // the store's client makes 3 attempts, as the SDK's standard mode does
    alice.send('through the storm');
    expect((await bob.next('message', 15_000)).text).toBe('through the storm');
    expect(injected).toBeGreaterThanOrEqual(2);
    await Promise.all([alice.close(), bob.close()]);
  }, 30_000);

  it('throttling past the retries: the sender gets INTERNAL_ERROR, nothing is half-done, and it recovers', async () => {
    const alice = await login('alice2');
    const bob = await login('bob2');
    await local.whenIdle();
    failNext = 1_000;
    alice.send(JSON.stringify({ action: 'message', text: 'lost?', id: 'c-lost' }));
    // The SDK backs off between its attempts (longer for throttling), so allow for a slow machine.
    const error = await alice.waitFor((e) => e.type === 'error', 'INTERNAL_ERROR', 20_000);
    // With the frame's id, as every error for that frame: the client knows which send to retry.
    expect(error).toMatchObject({ code: 'INTERNAL_ERROR', message: expect.stringMatching(/nothing was sent/u), id: 'c-lost' });
    failNext = 0;
    bob.send('/ls');
    expect((await bob.next('users')).users).toEqual(['alice2', 'bob2']);
    alice.send('again');
    expect((await bob.next('message')).text).toBe('again');
    expect(bob.received('message').map((e) => e.text)).not.toContain('lost?');
    await Promise.all([alice.close(), bob.close()]);
  }, 40_000);

  it('a ?nickname= login failing half-way refuses the handshake and leaves nothing behind', async () => {
    expect(await sessionItems()).toBe(0); // the earlier tests' clients have left (afterEach: allGone)
    failOperation = 'UpdateItem'; // the claim is written, setting the nickname fails past the retries
    try {
      await expect(ChatClient.connect(local.url, { nickname: 'phoenix' })).rejects.toEqual(new HandshakeRefused(500));
    } finally {
      failOperation = undefined;
    }
    expect(await sessionItems()).toBe(0); // no connection item, no claim: no $disconnect will come
    const retry = await ChatClient.connect(local.url, { nickname: 'phoenix' }); // at once, not 409
    retry.send('/whoami');
    expect((await retry.next('whoami')).nickname).toBe('phoenix');
    await retry.close();
  }, 40_000);
});
