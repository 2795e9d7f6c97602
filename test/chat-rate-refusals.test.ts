// Cheap refusals against the real store (dynalite behind a proxy that only counts the store's requests): once this container has seen a connection over its rate window, the
// rest of that window's frames are dropped without a DynamoDB request; the client still gets exactly
// the one RATE_LIMITED it gets without the shortcut, others are served, and the next window counts again.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChat } from '../functions/chat.ts';
import { createFanout, type Fanout } from '../functions/fanout.ts';
import { DEFAULT_SETTINGS } from '../functions/settings.ts';
import { createStore, type DynamoDbHttp } from '../functions/store.ts';
import { withLocalAwsEnv } from '../local/aws-env.ts';
import { ensureTable, localStoreDynamoDb, startDynalite, type Emulator } from '../local/dynamodb.ts';
import { localDynamoClient } from '../local/dynamodb-sdk.ts';
import { startLocalGateway, type LocalGateway } from '../local/gateway/index.ts';
import { ChatClient } from './support/client.ts';
import { startDynamoDbProxy, type DynamoDbProxy } from './support/dynamodb-proxy.ts';
import { SILENT_LOG } from './support/lambda.ts';

const FRAMES = 3;
const WINDOW_MS = 60_000;
let emulator: Emulator;
let client: DynamoDBClient;
let local: LocalGateway;
let requests = 0;
let proxy: DynamoDbProxy;
let storeDb: DynamoDbHttp;
/** The chat's clock, moved by the test to end a window without waiting for one. */
let now = Date.now();

beforeAll(async () => {
  withLocalAwsEnv();
  emulator = await startDynalite();
  client = localDynamoClient(emulator.endpoint);
  await ensureTable(emulator.endpoint, 'refusals');
  proxy = await startDynamoDbProxy(emulator.endpoint, () => {
    requests += 1;
    return undefined;
  });
  storeDb = localStoreDynamoDb(proxy.endpoint);
  let fanout: Fanout | undefined;
  const chat = createChat({
    store: createStore(storeDb, { tableName: 'refusals' }),
    log: SILENT_LOG,
    clock: () => now,
    rateLimit: { frames: FRAMES, windowMs: WINDOW_MS },
    connectGraceMs: DEFAULT_SETTINGS.connectGraceMs,
    claimSettleMs: DEFAULT_SETTINGS.claimSettleMs,
    fanoutFor: () => (fanout ??= createFanout({ endpoint: local.callbackUrl, concurrency: 8, log: SILENT_LOG })),
  });
  local = await startLocalGateway({ port: 0, routes: { $connect: chat.connect, $disconnect: chat.disconnect, $default: chat.message } });
});

afterAll(async () => {
  await local.close();
  storeDb.destroy();
  await proxy.close();
  client.destroy();
  await emulator.close();
});

describe('cheap refusals', () => {
  it('drops the rest of a window over its limit without asking DynamoDB, with the same single RATE_LIMITED', async () => {
    const bob = await ChatClient.login(local.url, 'bob');
    const flooder = await ChatClient.login(local.url, 'flooder'); // frame 1 of its window
    for (let n = 2; n <= FRAMES + 1; n += 1) flooder.send(`frame ${n}`);
    const limited = await flooder.error('RATE_LIMITED');
    expect(limited.message).toBe(`Slow down: at most ${FRAMES} frames per 60 s. The rest were dropped.`);
    await local.whenIdle();

    const before = requests;
    for (let n = 1; n <= 50; n += 1) flooder.send(`flood ${n}`);
    await local.whenIdle();
    expect(requests).toBe(before);

    bob.send('bob still talks');
    expect((await bob.waitFor((e) => e.type === 'message' && e.text === 'bob still talks', 'own message')).type).toBe('message');
    await local.whenIdle();
    // Frames of one connection run concurrently, so their deliveries may swap: compare them as a set.
    expect(bob.received('message').map((e) => e.text).sort()).toEqual(['bob still talks', 'frame 2', 'frame 3']);
    expect(flooder.received('error')).toHaveLength(1);

    // The window is over: the next frame is counted in the store again, and goes out.
    now += WINDOW_MS;
    flooder.send('a new window');
    expect((await bob.waitFor((e) => e.type === 'message' && e.text === 'a new window', 'next window')).type).toBe('message');
    expect(requests).toBeGreaterThan(before);
    await Promise.all([bob.close(), flooder.close()]);
  });
});
