// A local stand-in for fan-out split across workers (docs/scaling.md): a dispatcher reads the room's
// members once, cuts the recipients into K batches and hands each to its own worker, as a Lambda would
// put K messages on an SQS queue for K worker invocations. Each worker is what a separate container
// would have: its own management API client, keep-alive pool and bound on posts in flight (the real
// functions/fanout.ts). All K share this process's one CPU, so the split shows up in the timings
// only where posts wait on the network (the bench injects a per-post latency for that).
import { LOBBY } from '../../functions/core/room.ts';
import { createFanout, type Fanout } from '../../functions/fanout.ts';
import { createLogger } from '../../functions/log.ts';
import { createStore, type DynamoDbHttp } from '../../functions/store.ts';
import type { WebSocketEvent, WebSocketResult } from '../../functions/websocket-event.ts';

export interface SplitOptions {
  workers: number;
  /** Posts in flight per worker. */
  concurrency: number;
  tableName: string;
  dynamodb: DynamoDbHttp;
  callbackUrl: string;
}

export function createSplitHandler(options: SplitOptions): (event: WebSocketEvent) => Promise<WebSocketResult> {
  const log = createLogger();
  const store = createStore(options.dynamodb, { tableName: options.tableName, measureCapacity: true });
  const workers: Fanout[] = Array.from({ length: options.workers }, () =>
    createFanout({ endpoint: options.callbackUrl, concurrency: options.concurrency, log }),
  );

  return async (event) => {
    const sender = await store.getConnection(event.requestContext.connectionId);
    const body = JSON.parse(event.body ?? '{}') as { text?: string };
    const message = { type: 'message', at: new Date().toISOString(), room: LOBBY, from: sender?.nickname ?? '', text: body.text ?? '' };
    const data = Buffer.from(JSON.stringify(message));
    const ids: string[] = [];
    for await (const page of store.members(LOBBY)) ids.push(...page.filter((member) => !member.ignoring).map((member) => member.connectionId));
    const batch = Math.ceil(ids.length / workers.length);
    await Promise.all(workers.map((worker, index) => worker.postToAll(ids.slice(index * batch, (index + 1) * batch), data)));
    return { statusCode: 200 };
  };
}
