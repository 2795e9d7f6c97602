// The metered emulator (bench/support/dynamo-worker.mjs) on its own thread, and the counters it keeps.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

export interface DynamoCounters {
  requests: number;
  capacityUnits: number;
  /** Requests by operation (GetItem, Query, Scan, UpdateItem, …). */
  byOperation: Record<string, number>;
  /** Consumed capacity units by operation: reads are RCUs, writes WCUs (the table's; dynalite adds none for indexes). */
  capacityByOperation: Record<string, number>;
}

export interface MeteredDynamo {
  endpoint: string;
  /** The counters as they are now (every request the worker has answered). */
  read(): Promise<DynamoCounters>;
  close(): Promise<void>;
}

export async function startMeteredDynamo(): Promise<MeteredDynamo> {
  const worker = new Worker(new URL('./dynamo-worker.mjs', import.meta.url), { execArgv: [] });
  const [{ port }] = (await once(worker, 'message')) as [{ port: number }];
  // One read in flight at a time: each answer is the reply to the read before it.
  let reading: Promise<DynamoCounters> = Promise.resolve({ requests: 0, capacityUnits: 0, byOperation: {}, capacityByOperation: {} });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    read() {
      reading = reading.then(async () => {
        worker.postMessage('read');
        const [{ counters }] = (await once(worker, 'message')) as [{ counters: DynamoCounters }];
        return counters;
      });
      return reading;
    },
    async close() {
      worker.postMessage('close');
      await once(worker, 'exit');
    },
  };
}

const READ_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

export const isRead = (operation: string): boolean => READ_OPERATIONS.has(operation);

export function difference(after: DynamoCounters, before: DynamoCounters): DynamoCounters {
  return {
    requests: after.requests - before.requests,
    capacityUnits: after.capacityUnits - before.capacityUnits,
    byOperation: subtract(after.byOperation, before.byOperation),
    capacityByOperation: subtract(after.capacityByOperation, before.capacityByOperation),
  };
}

function subtract(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const change = value - (before[key] ?? 0);
    if (change) delta[key] = change;
  }
  return delta;
}
