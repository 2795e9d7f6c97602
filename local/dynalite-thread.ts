// The embedded emulator on a worker thread (local/dynalite-worker.mjs), for `npm start` and the load
// probes: the gateway's event loop then runs only the gateway and the handlers, as in AWS, where
// DynamoDB is another machine. The tests keep the in-process one (local/dynamodb.ts): cheaper to start.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Emulator } from './dynamodb.ts';

export interface EmulatorCounters {
  requests: number;
  capacityUnits: number;
  /** Requests by operation (GetItem, Query, Scan, UpdateItem, …). */
  byOperation: Record<string, number>;
  /** Consumed capacity units by operation. */
  capacityByOperation: Record<string, number>;
}

export interface ThreadEmulator extends Emulator {
  /** The counters so far; only with `meter`. */
  read(): Promise<EmulatorCounters>;
}

type Started = { port: number } | { error: { message: string; code?: string; port: number } };

/** Resolves once the emulator listens; rejects with the listen error (its `code` and `port`, e.g. EADDRINUSE). */
export async function startDynaliteThread(options: { port?: number; host?: string; meter?: boolean } = {}): Promise<ThreadEmulator> {
  const host = options.host ?? '127.0.0.1';
  const worker = new Worker(new URL('./dynalite-worker.mjs', import.meta.url), {
    execArgv: [],
    workerData: { port: options.port ?? 0, host, meter: options.meter ?? false },
  });
  const [started] = (await once(worker, 'message')) as [Started];
  if ('error' in started) {
    await once(worker, 'exit');
    throw Object.assign(new Error(started.error.message), { code: started.error.code, port: started.error.port });
  }
  // Nothing else keeps the process alive for it: the gateway's server does that while it runs.
  worker.unref();
  let reading: Promise<EmulatorCounters> = Promise.resolve({ requests: 0, capacityUnits: 0, byOperation: {}, capacityByOperation: {} });
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${started.port}`,
    read() {
      // One read in flight at a time: each answer is the reply to the read before it.
      reading = reading.then(async () => {
        worker.postMessage('read');
        const [{ counters }] = (await once(worker, 'message')) as [{ counters: EmulatorCounters }];
        return counters;
      });
      return reading;
    },
    close: () =>
      (closed ??= (async () => {
        const exited = once(worker, 'exit');
        worker.ref(); // until it has exited: the awaited close is then all that keeps the process alive
        worker.postMessage('close');
        await exited;
      })()),
  };
}
