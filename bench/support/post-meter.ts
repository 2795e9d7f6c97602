// Counts POST @connections (postToConnection) calls as the gateway's HTTP server sees them, with their
// status and when the first and last of a broadcast arrived, through Node's built-in diagnostics
// channels: no change to the gateway, nothing on the path.
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface PostCounters {
  posts: number;
  /** Answers other than 200, by status (410 Gone, 429 throttled, …). */
  failedByStatus: Record<string, number>;
  /** performance.now() of the first and the latest post to arrive since `PostMeter.mark()` (NaN: none yet). */
  firstAt: number;
  lastAt: number;
}

interface ServerMessage {
  request: IncomingMessage;
  response: ServerResponse;
}

const isPostToConnection = (request: IncomingMessage) => request.method === 'POST' && (request.url ?? '').includes('/@connections/');

export interface PostMeter {
  readonly counters: PostCounters;
  /** Starts a broadcast's window: firstAt and lastAt are of the posts after this. */
  mark(): void;
  stop(): void;
}

export function startPostMeter(): PostMeter {
  const counters: PostCounters = { posts: 0, failedByStatus: {}, firstAt: Number.NaN, lastAt: Number.NaN };
  const onStart = (message: unknown) => {
    if (!isPostToConnection((message as ServerMessage).request)) return;
    counters.posts += 1;
    counters.lastAt = performance.now();
    if (Number.isNaN(counters.firstAt)) counters.firstAt = counters.lastAt;
  };
  const onFinish = (message: unknown) => {
    const { request, response } = message as ServerMessage;
    if (!isPostToConnection(request) || response.statusCode === 200) return;
    const status = String(response.statusCode);
    counters.failedByStatus[status] = (counters.failedByStatus[status] ?? 0) + 1;
  };
  diagnostics.subscribe('http.server.request.start', onStart);
  diagnostics.subscribe('http.server.response.finish', onFinish);
  return {
    counters,
    mark() {
      counters.firstAt = Number.NaN;
      counters.lastAt = Number.NaN;
    },
    stop() {
      diagnostics.unsubscribe('http.server.request.start', onStart);
      diagnostics.unsubscribe('http.server.response.finish', onFinish);
    },
  };
}

export function snapshotPosts(counters: PostCounters): PostCounters {
  return { ...counters, failedByStatus: { ...counters.failedByStatus } };
}

export function postsBetween(after: PostCounters, before: PostCounters): PostCounters {
  const failedByStatus: Record<string, number> = {};
  for (const [status, count] of Object.entries(after.failedByStatus)) {
    const delta = count - (before.failedByStatus[status] ?? 0);
    if (delta) failedByStatus[status] = delta;
  }
  return { posts: after.posts - before.posts, failedByStatus, firstAt: after.firstAt, lastAt: after.lastAt };
}
