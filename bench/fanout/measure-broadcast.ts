// One broadcast, measured: from the sender's send to the last recipient's receipt, with the posts,
// DynamoDB requests and capacity it caused and its handler's duration. Broadcasts run one at a time,
// so everything the meters count between the send and the handler's return belongs to this one.
import { difference, isRead } from '../support/dynamo-meter.ts';
import type { BenchEnvironment } from './environment.ts';
import { postsBetween, snapshotPosts } from '../support/post-meter.ts';
import type { Receivers } from './receivers.ts';
import type { Variant } from './variants.ts';

const GRACE_MS = 1000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export interface Sample {
  /** Send → last recipient's receipt. */
  deliveryMs: number;
  /**
   * Send → the first POST @connections reaching the gateway (the handler's work before it posts: its
   * DynamoDB reads, parsing, the chat's rules), and first → last POST (the posting itself); null where
   * nothing posts (the raw-ws floor).
   */
  toFirstPostMs: number | null;
  postingMs: number | null;
  /** The handler invocation's duration; null on the raw-ws floor (there is none). */
  handlerMs: number | null;
  recipients: number;
  received: number;
  duplicates: number;
  /** POST @connections calls, and those answered other than 200 by status. */
  posts: number;
  postFailures: Record<string, number>;
  dynamoRequests: number;
  dynamoByOperation: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  /** How the handler's invocation ended (`HTTP 200`, or the error); empty on the raw-ws floor. */
  handlerOutcome: string;
}

export async function measureBroadcast(
  receivers: Receivers,
  variant: Variant,
  tag: string,
  env: BenchEnvironment | undefined,
  timeoutMs: number,
): Promise<Sample> {
  const dynamoBefore = env && (await env.dynamo.read());
  const postsBefore = env && snapshotPosts(env.posts.counters);
  env?.handlers.take();
  env?.posts.mark();
  const mark = env?.handlers.mark() ?? 0;
  const receipt = receivers.expect(tag, timeoutMs);
  const sentAt = performance.now();
  receivers.send(0, variant.frame(tag));
  if (env) {
    // Once the handler has returned, every post it made was answered: frames still missing a moment
    // later are not coming (the handler failed, or skipped someone).
    const handled = env.handlers.finishedSince(mark).then(() => delay(GRACE_MS));
    void Promise.race([receipt, handled]).then(() => receivers.giveUp(tag));
  }
  const { received, duplicates, lastAt, complete } = await receipt;
  // Bounded too: a frame no route took, or a handler that never returns, must not hang the run.
  if (env) await Promise.race([env.handlers.finishedSince(mark), delay(timeoutMs)]);
  const durations = env?.handlers.take() ?? [];
  const dynamo = env && dynamoBefore && difference(await env.dynamo.read(), dynamoBefore);
  const posts = env && postsBetween(env.posts.counters, postsBefore ?? env.posts.counters);
  let readUnits = 0;
  let writeUnits = 0;
  for (const [operation, units] of Object.entries(dynamo?.capacityByOperation ?? {})) {
    if (isRead(operation)) readUnits += units;
    else writeUnits += units;
  }
  const posted = posts !== undefined && posts.posts > 0;
  return {
    deliveryMs: complete ? lastAt - sentAt : Number.NaN,
    toFirstPostMs: posted ? posts.firstAt - sentAt : null,
    postingMs: posted ? posts.lastAt - posts.firstAt : null,
    handlerMs: env ? durations.reduce((sum, ms) => sum + ms, 0) : null,
    recipients: receivers.size,
    received,
    duplicates,
    posts: posts?.posts ?? 0,
    postFailures: posts?.failedByStatus ?? {},
    dynamoRequests: dynamo?.requests ?? 0,
    dynamoByOperation: dynamo?.byOperation ?? {},
    readUnits,
    writeUnits,
    handlerOutcome: env?.handlers.lastOutcome ?? '',
  };
}
