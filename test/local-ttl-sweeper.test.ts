// The local TTL sweeper against the embedded dynalite: it deletes exactly what DynamoDB TTL would
// (a Number `expiresAt` in the past, not over five years past), page by page, with a conditional
// delete that keeps an item refreshed in the meantime; it never overlaps itself, logs failures
// instead of throwing, and `startLocalChat` runs it when asked.
import {
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { PARTITION_KEY, TTL_ATTRIBUTE } from '../functions/table.ts';
import { startLocalChat } from '../local/chat-server.ts';
import type { DynamoDbHttp, DynamoDbOperation } from '../functions/store/dynamodb-http.ts';
import { ensureTable, localStoreDynamoDb, startDynalite, type Emulator } from '../local/dynamodb.ts';
import { localDynamoClient } from '../local/dynamodb-sdk.ts';
import { DEFAULT_TTL_SWEEP_INTERVAL_MS, startTtlSweeper, ttlSweepIntervalFromEnv, type TtlSweeperOptions } from '../local/ttl-sweeper.ts';
import { waitUntil } from './support/wait.ts';

const NOW_MS = Date.UTC(2026, 10, 23, 10, 30, 0);
const NOW = NOW_MS / 1000;
const YEAR = 365 * 86_400;

let emulator: Emulator;
let client: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  emulator = await startDynalite();
  client = localDynamoClient(emulator.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await emulator?.close();
});

/** A new chat table on the shared emulator, so each test sweeps only its own items. */
async function freshTable(): Promise<string> {
  const name = `ttl-${(tables += 1)}`;
  await ensureTable(emulator.endpoint, name);
  return name;
}

/** A sweeper with its own client, watched (so what a test adds to it stays in that test), closed at the end. */
function sweeperFor(tableName: string, options: Partial<TtlSweeperOptions> = {}) {
  const watch = watched(localStoreDynamoDb(emulator.endpoint));
  const sweeper = startTtlSweeper({ client: watch.client, tableName, intervalMs: 0, now: () => NOW_MS, ...options });
  onTestFinished(async () => {
    await sweeper.close();
    watch.client.destroy();
  });
  return { sweeper, watch };
}

/** The sweeper's client as a test sees it: each operation counted, and `afterEach` run when one has answered. */
function watched(inner: DynamoDbHttp) {
  const counts = new Map<DynamoDbOperation, number>();
  let after: ((operation: DynamoDbOperation) => Promise<void>) | undefined;
  const client: DynamoDbHttp = {
    async call(operation, input) {
      counts.set(operation, (counts.get(operation) ?? 0) + 1);
      const answer = await inner.call(operation, input);
      await after?.(operation);
      return answer;
    },
    destroy: () => inner.destroy(),
  };
  return {
    client,
    count: (operation: DynamoDbOperation) => counts.get(operation) ?? 0,
    afterEach(then: (operation: DynamoDbOperation) => Promise<void>) {
      after = then;
    },
  };
}

async function put(tableName: string, pk: string, expiresAt?: AttributeValue): Promise<void> {
  const item: Record<string, AttributeValue> = { [PARTITION_KEY]: { S: pk }, text: { S: 'payload' } };
  if (expiresAt) item[TTL_ATTRIBUTE] = expiresAt;
  await client.send(new PutItemCommand({ TableName: tableName, Item: item }));
}

const seconds = (value: number): AttributeValue => ({ N: String(value) });

async function exists(tableName: string, pk: string): Promise<boolean> {
  const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: { [PARTITION_KEY]: { S: pk } }, ConsistentRead: true }));
  return Item !== undefined;
}

async function remaining(tableName: string, pks: readonly string[]): Promise<string[]> {
  const present = await Promise.all(pks.map((pk) => exists(tableName, pk)));
  return pks.filter((_, i) => present[i]);
}

/** Counts the client's requests of one command, e.g. 'ScanCommand'. */
describe('sweepOnce', () => {
  it('deletes exactly the items DynamoDB TTL would', async () => {
    const table = await freshTable();
    const expired = ['CONN#gone', 'NICK#gone', 'HIST#lobby#1#0'];
    const kept = ['CONN#live', 'CONN#expires-now', 'CONN#no-ttl', 'CONN#string-ttl', 'CONN#over-five-years'];
    await put(table, 'CONN#gone', seconds(NOW - 60));
    await put(table, 'NICK#gone', seconds(NOW - 1));
    await put(table, 'HIST#lobby#1#0', seconds(NOW - 4 * YEAR));
    await put(table, 'CONN#live', seconds(NOW + 3600));
    await put(table, 'CONN#expires-now', seconds(NOW)); // "less than the current time" only
    await put(table, 'CONN#no-ttl');
    await put(table, 'CONN#string-ttl', { S: String(NOW - 60) }); // TTL reads Numbers only
    await put(table, 'CONN#over-five-years', seconds(NOW - 6 * YEAR)); // AWS leaves these alone
    const { sweeper } = sweeperFor(table);

    expect(await sweeper.sweepOnce()).toEqual({ expired: 3, deleted: 3, kept: 0, failed: 0 });

    expect(await remaining(table, [...expired, ...kept])).toEqual(kept);
    expect(await sweeper.sweepOnce()).toEqual({ expired: 0, deleted: 0, kept: 0, failed: 0 });
  });

  it('reads every page of the Scan', async () => {
    const table = await freshTable();
    const expired = Array.from({ length: 25 }, (_, i) => `CONN#old${i}`);
    const live = Array.from({ length: 25 }, (_, i) => `CONN#new${i}`);
    await Promise.all([
      ...expired.map((pk) => put(table, pk, seconds(NOW - 10))),
      ...live.map((pk) => put(table, pk, seconds(NOW + 10))),
    ]);
    const { sweeper, watch } = sweeperFor(table, { pageSize: 7, concurrency: 3 });

    expect(await sweeper.sweepOnce()).toMatchObject({ expired: 25, deleted: 25 });

    expect(watch.count('Scan')).toBeGreaterThanOrEqual(Math.ceil(50 / 7));
    expect(await remaining(table, [...expired, ...live])).toEqual(live);
  });

  it('keeps an item whose expiresAt moved to the future between the Scan and its delete', async () => {
    const table = await freshTable();
    await put(table, 'CONN#refreshed', seconds(NOW - 30));
    await put(table, 'CONN#stale', seconds(NOW - 30));
    const { sweeper, watch } = sweeperFor(table);
    // Right after the Scan answers, before any delete is sent: a connection refreshes its expiry.
    let refreshed = false;
    watch.afterEach(async (operation) => {
      if (operation !== 'Scan' || refreshed) return;
      refreshed = true;
      await client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { [PARTITION_KEY]: { S: 'CONN#refreshed' } },
          UpdateExpression: 'SET #ttl = :later',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':later': seconds(NOW + 7800) },
        }),
      );
    });

    expect(await sweeper.sweepOnce()).toEqual({ expired: 2, deleted: 1, kept: 1, failed: 0 });

    expect(refreshed).toBe(true);
    expect(await remaining(table, ['CONN#refreshed', 'CONN#stale'])).toEqual(['CONN#refreshed']);
  });

  it('never overlaps: asked again while sweeping, it answers with the running sweep', async () => {
    const table = await freshTable();
    await put(table, 'CONN#old', seconds(NOW - 10));
    const { sweeper, watch } = sweeperFor(table);

    const first = sweeper.sweepOnce();
    const second = sweeper.sweepOnce();

    expect(second).toBe(first);
    expect(await first).toMatchObject({ deleted: 1 });
    expect(watch.count('Scan')).toBe(1);
  });
});

describe('the timer', () => {
  it('sweeps every interval', async () => {
    const table = await freshTable();
    await put(table, 'CONN#old', seconds(Math.floor(Date.now() / 1000) - 10));
    const lines: string[] = [];
    sweeperFor(table, { intervalMs: 20, now: Date.now, log: (line) => lines.push(line) });

    await waitUntil(async () => !(await exists(table, 'CONN#old')));

    await waitUntil(() => lines.length > 0);
    expect(lines[0]).toMatch(/^ttl sweeper: deleted 1 expired item in \d+ms$/);
  });

  it('logs a failed sweep instead of throwing, and tries again', async () => {
    const warnings: string[] = [];
    sweeperFor('no-such-table', { intervalMs: 10, warn: (line) => warnings.push(line) });

    await waitUntil(() => warnings.length >= 2);

    expect(warnings[0]).toMatch(/^ttl sweeper: sweep failed \(next try in 10ms\): ResourceNotFoundException/);
  });

  it('stops on close, letting a running sweep finish', async () => {
    const table = await freshTable();
    await put(table, 'CONN#old', seconds(NOW - 10));
    const { sweeper } = sweeperFor(table, { intervalMs: 60_000 });
    const running = sweeper.sweepOnce();

    await sweeper.close();

    expect(await running).toMatchObject({ expired: 1 });
  });
});

describe('startLocalChat', () => {
  it('runs the sweeper when ttlSweepIntervalMs is set, and stops it on close', async () => {
    const chat = await startLocalChat({ port: 0, ttlSweepIntervalMs: 20 });
    onTestFinished(() => chat.close());
    const chatClient = localDynamoClient(chat.dynamodbEndpoint);
    onTestFinished(() => chatClient.destroy());
    const key = { [PARTITION_KEY]: { S: 'ROOM#abandoned' } };
    await chatClient.send(new PutItemCommand({ TableName: chat.tableName, Item: { ...key, [TTL_ATTRIBUTE]: seconds(Math.floor(Date.now() / 1000) - 1) } }));

    await waitUntil(async () => (await chatClient.send(new GetItemCommand({ TableName: chat.tableName, Key: key, ConsistentRead: true }))).Item === undefined);
  });
});

describe('TTL_SWEEP_INTERVAL_MS', () => {
  it('defaults to a minute, 0 turns it off, and anything but a whole number fails naming the variable', () => {
    expect(DEFAULT_TTL_SWEEP_INTERVAL_MS).toBe(60_000);
    expect(ttlSweepIntervalFromEnv(undefined)).toBe(60_000);
    expect(ttlSweepIntervalFromEnv('')).toBe(60_000);
    expect(ttlSweepIntervalFromEnv('0')).toBe(0);
    expect(ttlSweepIntervalFromEnv('5000')).toBe(5000);
    for (const bad of ['-1', '1.5', '1e3', 'abc', '60s']) expect(() => ttlSweepIntervalFromEnv(bad)).toThrow(/TTL_SWEEP_INTERVAL_MS/);
  });
});
