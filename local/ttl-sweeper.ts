// DynamoDB TTL for local emulators, which have none (neither dynalite nor DynamoDB Local deletes
// anything): every interval, a paged Scan finds items whose `expiresAt` (epoch seconds) has passed,
// and each is deleted with a conditional DeleteItem, as AWS's TTL process does, so local history,
// rooms and ghost connections do not grow forever. AWS deletes lazily, typically within a few days,
// and until then expired items still come back from reads; this sweeper only bounds local growth, it
// is not something the chat's reads may rely on.
import pLimit from 'p-limit';
import { isAwsError } from '../functions/aws-errors.ts';
import { isJsonObject } from '../functions/json-values.ts';
import type { DynamoDbHttp } from '../functions/store/dynamodb-http.ts';
import { PARTITION_KEY, TTL_ATTRIBUTE } from '../functions/table.ts';

export const DEFAULT_TTL_SWEEP_INTERVAL_MS = 60_000;
/** AWS: an item whose TTL is more than five years in the past is not eligible for deletion. */
const TTL_HORIZON_SECONDS = 5 * 365 * 86_400;
const DEFAULT_CONCURRENCY = 8;
/** setTimeout fires at once for longer delays. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A key or an item in DynamoDB JSON, as the Scan answers it (`{ "pk": { "S": "CONN#…" } }`). */
type WireItem = Record<string, unknown>;

export interface TtlSweeperOptions {
  /** The store's DynamoDB client (local/dynamodb.ts, localStoreDynamoDb). */
  client: DynamoDbHttp;
  tableName: string;
  /** From the end of one sweep to the start of the next; 0 = no timer (call `sweepOnce()`). */
  intervalMs: number;
  /** Conditional deletes in flight; default 8. */
  concurrency?: number;
  /** Scan `Limit` (items read per page); default: DynamoDB's 1 MB pages. */
  pageSize?: number;
  /** Epoch milliseconds; default Date.now. */
  now?: () => number;
  /** A line per sweep that deleted something; default: none. */
  log?: (line: string) => void;
  /** Failures (a Scan or a delete); default console.error. Never thrown from the timer. */
  warn?: (line: string) => void;
}

export interface SweepResult {
  /** Items the Scan found expired. */
  expired: number;
  deleted: number;
  /** Refreshed (or deleted by someone else) between the Scan and the delete: the condition kept them. */
  kept: number;
  /** Deletes that failed otherwise (logged). */
  failed: number;
}

export interface TtlSweeper {
  /** One sweep now; while one is running (timer or caller), that one's result. Rejects if a Scan fails. */
  sweepOnce(): Promise<SweepResult>;
  /** Stops the timer and waits for a running sweep, which stops at its next item. */
  close(): Promise<void>;
}

export function startTtlSweeper(options: TtlSweeperOptions): TtlSweeper {
  const { client, tableName, intervalMs } = options;
  if (!Number.isInteger(intervalMs) || intervalMs < 0) throw new Error(`ttl sweeper: intervalMs must be a whole number ≥ 0, not ${intervalMs}`);
  const now = options.now ?? Date.now;
  if (intervalMs > MAX_TIMER_MS) throw new Error(`ttl sweeper: intervalMs must be at most ${MAX_TIMER_MS} (a timer's limit)`);
  const log = options.log ?? (() => {});
  const warn = options.warn ?? ((line: string) => console.error(line));
  const limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  const names = { '#pk': PARTITION_KEY, '#ttl': TTL_ATTRIBUTE };
  let running: Promise<SweepResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  async function deleteIfExpired(key: WireItem, nowSeconds: number, result: SweepResult): Promise<void> {
    if (closed) return;
    try {
      await client.call('DeleteItem', {
        TableName: tableName,
        Key: key,
        // Checked again at delete time: an item whose expiresAt moved to the future since the Scan stays.
        ConditionExpression: '#ttl < :now',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
      });
      result.deleted += 1;
    } catch (error) {
      if (isAwsError(error, 'ConditionalCheckFailedException')) result.kept += 1;
      else {
        result.failed += 1;
        warn(`ttl sweeper: deleting ${JSON.stringify(key[PARTITION_KEY])} failed: ${describe(error)}`);
      }
    }
  }

  async function sweep(): Promise<SweepResult> {
    const started = performance.now();
    const nowSeconds = Math.floor(now() / 1000);
    const result: SweepResult = { expired: 0, deleted: 0, kept: 0, failed: 0 };
    let startKey: WireItem | undefined;
    do {
      const page = scanPage(
        await client.call('Scan', {
          TableName: tableName,
          ProjectionExpression: '#pk, #ttl',
          // As TTL: a Number attribute in the past, but not more than five years in the past.
          FilterExpression: '#ttl < :now AND #ttl >= :horizon',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':now': { N: String(nowSeconds) }, ':horizon': { N: String(nowSeconds - TTL_HORIZON_SECONDS) } },
          ...(options.pageSize ? { Limit: options.pageSize } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      // Each item's key, in DynamoDB JSON as it came: the table's key is its partition key alone.
      const keys = page.items.flatMap((item) => (item[PARTITION_KEY] === undefined ? [] : [{ [PARTITION_KEY]: item[PARTITION_KEY] }]));
      result.expired += keys.length;
      await Promise.all(keys.map((key) => limit(() => deleteIfExpired(key, nowSeconds, result))));
      startKey = page.lastKey;
    } while (startKey && !closed);
    if (result.deleted > 0) {
      log(`ttl sweeper: deleted ${result.deleted} expired item${result.deleted === 1 ? '' : 's'} in ${Math.round(performance.now() - started)}ms`);
    }
    return result;
  }

  function sweepOnce(): Promise<SweepResult> {
    running ??= sweep().finally(() => {
      running = undefined;
    });
    return running;
  }

  // setTimeout after each sweep, not setInterval: a slow sweep delays the next instead of overlapping it.
  function schedule(): void {
    if (closed || intervalMs === 0) return;
    timer = setTimeout(() => {
      void sweepOnce()
        .catch((error: unknown) => warn(`ttl sweeper: sweep failed (next try in ${intervalMs}ms): ${describe(error)}`))
        .finally(schedule);
    }, intervalMs);
    timer.unref(); // never what keeps the process alive
  }
  schedule();

  return {
    sweepOnce,
    async close() {
      closed = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}

/** `TTL_SWEEP_INTERVAL_MS` for `npm start`: unset = the default, 0 = off; anything else but a whole number fails. */
export function ttlSweepIntervalFromEnv(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_TTL_SWEEP_INTERVAL_MS;
  if (!/^\d+$/.test(value.trim())) throw new Error(`TTL_SWEEP_INTERVAL_MS must be a whole number of milliseconds (0 = off), got ${JSON.stringify(value)}`);
  return Number(value);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A Scan answer's items and where the next page starts; throws if it is not one. */
function scanPage(answer: unknown): { items: WireItem[]; lastKey: WireItem | undefined } {
  if (!isJsonObject(answer)) throw new Error('ttl sweeper: the Scan answer is not a JSON object');
  const { Items: items = [], LastEvaluatedKey: lastKey } = answer;
  if (!Array.isArray(items) || !items.every(isJsonObject)) throw new Error('ttl sweeper: the Scan answer has no list of items');
  if (lastKey !== undefined && !isJsonObject(lastKey)) throw new Error('ttl sweeper: the Scan answer has a malformed LastEvaluatedKey');
  return { items, lastKey };
}
