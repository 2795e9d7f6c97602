// DynamoDB throttling and transient errors (dynalite cannot throttle, so a middleware injects them into
// the real SDK client, inside its retry loop): the SDK's retries absorb short bursts; when they run
// out, the sender gets INTERNAL_ERROR, never a silent loss, and everyone else's state is intact.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChat } from '../functions/chat.ts';
import { createGateway, type Gateway } from '../functions/gateway.ts';
import { createStore } from '../functions/store.ts';
import { ensureTable, LOCAL_CREDENTIALS, localDynamoClient, startDynalite, type Emulator } from '../local/dynamodb.ts';
import { startLocalGateway, type LocalGateway } from '../local/gateway/index.ts';
import { ChatClient } from './support/client.ts';

const SILENT_LOG = { debug() {}, info() {}, warn() {}, error() {} };

let emulator: Emulator;
let client: DynamoDBClient;
let local: LocalGateway;
/** How many of the next DynamoDB calls fail with a throttling error. */
let failNext = 0;
let injected = 0;

beforeAll(async () => {
  // The management API client signs its requests; the local gateway accepts any credentials.
  process.env.AWS_ACCESS_KEY_ID ??= LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_CREDENTIALS.secretAccessKey;
  emulator = await startDynalite();
  client = localDynamoClient(emulator.endpoint);
  await ensureTable(client, 'faults');
  client.middlewareStack.add(
    (next) => async (args) => {
      if (failNext > 0) {
        failNext -= 1;
        injected += 1;
        throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
          name: 'ProvisionedThroughputExceededException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      }
      return next(args);
    },
    { step: 'deserialize', name: 'injectThrottling' }, // per attempt, inside the SDK's retry loop
  );
  let gateway: Gateway | undefined;
  const chat = createChat({
    store: createStore(client, { tableName: 'faults' }),
    log: SILENT_LOG,
    rateLimit: { frames: 0, windowMs: 0 },
    gatewayFor: () => (gateway ??= createGateway({ endpoint: local.callbackUrl, concurrency: 8, log: SILENT_LOG })),
  });
  local = await startLocalGateway({
    port: 0,
    routes: { $connect: chat.connect, $disconnect: chat.disconnect, $default: chat.message, message: chat.message },
  });
});

afterAll(async () => {
  await local.close();
  client.destroy();
  await emulator.close();
});

async function login(nickname: string): Promise<ChatClient> {
  return ChatClient.login(local.url, nickname);
}

describe('DynamoDB throttling', () => {
  it('a short burst is absorbed by the SDK retries: the message goes out as usual', async () => {
    const alice = await login('alice');
    const bob = await login('bob');
    failNext = 2; // the SDK makes 3 attempts by default
    alice.send('through the storm');
    expect((await bob.next('message')).text).toBe('through the storm');
    expect(injected).toBeGreaterThanOrEqual(2);
    await Promise.all([alice.close(), bob.close()]);
  });

  it('throttling past the retries: the sender gets INTERNAL_ERROR, nothing is half-done, and it recovers', async () => {
    const alice = await login('alice2');
    const bob = await login('bob2');
    failNext = 1_000;
    alice.send('lost?');
    const error = await alice.error('INTERNAL_ERROR');
    expect(error.message).toMatch(/nothing was sent/u);
    failNext = 0;
    bob.send('/ls');
    expect((await bob.next('users')).users).toEqual(['alice2', 'bob2']);
    alice.send('again');
    expect((await bob.next('message')).text).toBe('again');
    expect(bob.received('message').map((e) => e.text)).not.toContain('lost?');
    await Promise.all([alice.close(), bob.close()]);
  });
});
