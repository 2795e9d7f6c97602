// Per-variant summary of the broadcast samples: the figures the table prints and the JSON keeps.
import type { Sample } from '../fanout/measure-broadcast.ts';

export interface Summary {
  recipients: number;
  broadcasts: number;
  /** Broadcasts that did not reach every recipient in time (must be 0). */
  incomplete: number;
  deliveryMs: { p50: number; p95: number; p99: number; max: number };
  handlerMs: { p50: number; p99: number } | null;
  /** p50 of send → first post and of first → last post (measure-broadcast.ts); null where nothing posts. */
  toFirstPostMs: number | null;
  postingMs: number | null;
  /** Mean per broadcast. */
  postsPerMessage: number;
  postsPerRecipient: number;
  failedPosts: number;
  duplicates: number;
  dynamoRequestsPerMessage: number;
  dynamoRequestsByOperation: Record<string, number>;
  readUnitsPerMessage: number;
  writeUnitsPerMessage: number;
  /** Recipients over the median delivery time. */
  deliveriesPerSecond: number;
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

const mean = (values: readonly number[]) => (values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : 0);
const ascending = (values: readonly number[]) => [...values].sort((a, b) => a - b);

export const median = (values: readonly number[]): number => percentile(ascending(values), 50);

/** The median of the values that are there (null where none is). */
function medianOf(values: readonly (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length ? median(known) : null;
}

export function summarize(samples: readonly Sample[]): Summary {
  const recipients = samples[0]?.recipients ?? 0;
  const complete = samples.filter((sample) => Number.isFinite(sample.deliveryMs));
  const delivery = ascending(complete.map((sample) => sample.deliveryMs));
  const handler = ascending(samples.flatMap((sample) => (sample.handlerMs === null ? [] : [sample.handlerMs])));
  const byOperation: Record<string, number> = {};
  for (const sample of samples) {
    for (const [operation, count] of Object.entries(sample.dynamoByOperation)) byOperation[operation] = (byOperation[operation] ?? 0) + count;
  }
  for (const operation of Object.keys(byOperation)) byOperation[operation] = (byOperation[operation] as number) / samples.length;
  const postsPerMessage = mean(samples.map((sample) => sample.posts));
  const p50 = percentile(delivery, 50);
  return {
    recipients,
    broadcasts: samples.length,
    incomplete: samples.length - complete.length,
    deliveryMs: { p50, p95: percentile(delivery, 95), p99: percentile(delivery, 99), max: delivery.at(-1) ?? Number.NaN },
    handlerMs: handler.length ? { p50: percentile(handler, 50), p99: percentile(handler, 99) } : null,
    toFirstPostMs: medianOf(complete.map((sample) => sample.toFirstPostMs)),
    postingMs: medianOf(complete.map((sample) => sample.postingMs)),
    postsPerMessage,
    postsPerRecipient: recipients ? postsPerMessage / recipients : 0,
    failedPosts: samples.reduce((sum, sample) => sum + Object.values(sample.postFailures).reduce((a, b) => a + b, 0), 0),
    duplicates: samples.reduce((sum, sample) => sum + sample.duplicates, 0),
    dynamoRequestsPerMessage: mean(samples.map((sample) => sample.dynamoRequests)),
    dynamoRequestsByOperation: byOperation,
    readUnitsPerMessage: mean(samples.map((sample) => sample.readUnits)),
    writeUnitsPerMessage: mean(samples.map((sample) => sample.writeUnits)),
    deliveriesPerSecond: p50 > 0 ? recipients / (p50 / 1000) : Number.NaN,
  };
}

/** One run's delivery figures, kept beside the medians they make. */
export interface RunFigures {
  p50: number;
  p95: number;
  handlerP50: number | null;
  toFirstPostP50: number | null;
  postingP50: number | null;
}


/**
 * Several independent runs of one block as one summary: delivery p50 and p95 (and handler p50) are the
 * medians of the runs' own, so one run on a busier minute moves them less than pooling would; the
 * counts (posts, requests, capacity) are means over every broadcast of every run.
 */
export function summarizeRuns(runs: readonly (readonly Sample[])[]): { summary: Summary; perRun: RunFigures[] } {
  const perRun = runs.map((samples) => {
    const { deliveryMs, handlerMs, toFirstPostMs, postingMs } = summarize(samples);
    return { p50: deliveryMs.p50, p95: deliveryMs.p95, handlerP50: handlerMs?.p50 ?? null, toFirstPostP50: toFirstPostMs, postingP50: postingMs };
  });
  const pooled = summarize(runs.flat());
  const p50 = median(perRun.map((run) => run.p50).filter(Number.isFinite));
  const summary: Summary = {
    ...pooled,
    deliveryMs: { ...pooled.deliveryMs, p50, p95: median(perRun.map((run) => run.p95).filter(Number.isFinite)) },
    handlerMs: pooled.handlerMs && { ...pooled.handlerMs, p50: medianOf(perRun.map((run) => run.handlerP50)) ?? Number.NaN },
    toFirstPostMs: medianOf(perRun.map((run) => run.toFirstPostP50)),
    postingMs: medianOf(perRun.map((run) => run.postingP50)),
    deliveriesPerSecond: p50 > 0 ? pooled.recipients / (p50 / 1000) : Number.NaN,
  };
  return { summary, perRun };
}

/**
 * Where a variant's time over bare-posts goes: the extra ms before the first post (for ours: its
 * DynamoDB reads and the chat's code) and the posting's ratio (first → last post: for ours, signing
 * and the signed headers).
 */
export function splitOverBare(variant: Summary | undefined, bare: Summary | undefined): { beforeMs: number; posting: number } {
  const known = (value: number | null | undefined) => value ?? Number.NaN;
  return {
    beforeMs: known(variant?.toFirstPostMs) - known(bare?.toFirstPostMs),
    posting: known(variant?.postingMs) / known(bare?.postingMs),
  };
}
