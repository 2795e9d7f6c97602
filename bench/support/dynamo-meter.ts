// The metered emulator (local/dynalite-worker.mjs with its meter on, the thread `npm start` uses too)
// and the counters it keeps.
import { startDynaliteThread, type EmulatorCounters } from '../../local/dynalite-thread.ts';

export type DynamoCounters = EmulatorCounters;

export interface MeteredDynamo {
  endpoint: string;
  /** The counters as they are now (every request the worker has answered). */
  read(): Promise<DynamoCounters>;
  close(): Promise<void>;
}

export function startMeteredDynamo(): Promise<MeteredDynamo> {
  return startDynaliteThread({ meter: true });
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
