// Operational metrics, published in CloudWatch's embedded metric format (EMF) by Powertools Metrics:
// one JSON line on stdout per invocation, which CloudWatch Logs turns into metrics (no PutMetricData
// calls, no extra latency). Every metric is listed once, in METRICS; the docs table is generated from it
// (`npm run docs:settings`). Dimensions are only `stage` and `route`, so the number of metrics, which is
// what CloudWatch bills, stays at METRICS × routes × stages.
//
// Figures are collected per invocation and flushed once at its end (`withMetrics`). The recorder the chat
// sees finds the invocation running now. Where invocations overlap in one process (`npm start` and the
// tests run every route in one; Lambda Managed Instances run several per environment), each finds its own
// through AsyncLocalStorage. Where they cannot (a Lambda execution environment runs one at a time), a
// variable does: AsyncLocalStorage turns on a hook for every promise of the process, which cost ≈10 ms of
// a cold start's first invocation (70–100 ms; `npm run bench`, bench/probes/bundles.ts) and a little of
// every post after it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { ErrorCode } from './core/events.ts';
import type { Logger } from './log.ts';

export interface MetricDefinition {
  /** The CloudWatch metric name. */
  readonly name: string;
  readonly unit: 'Count' | 'Milliseconds';
  /** `sum`: one total per invocation (only when not 0); `sample`: every value kept, for maximum and percentiles. */
  readonly kind: 'sum' | 'sample';
  /** One line for the docs table. */
  readonly meaning: string;
}

export const METRICS = {
  delivered: { name: 'Deliveries', unit: 'Count', kind: 'sum', meaning: 'events posted to a connection and accepted by API Gateway' },
  gone: {
    name: 'GoneConnections',
    unit: 'Count',
    kind: 'sum',
    meaning: 'posts answered 410 Gone: the connection is removed (unless younger than `CONNECT_GRACE_MS`)',
  },
  retried: {
    name: 'PostRetries',
    unit: 'Count',
    kind: 'sum',
    meaning: 'posts tried again after a 429 (API Gateway throttling, or the client’s buffer full), a 5xx or a dropped socket',
  },
  throttled: { name: 'ThrottledDropped', unit: 'Count', kind: 'sum', meaning: 'of `DroppedDeliveries`: still 429 after every retry' },
  tooLarge: { name: 'TooLarge', unit: 'Count', kind: 'sum', meaning: 'of `DroppedDeliveries`: answered 413, over the stage’s message size' },
  pastDeadline: {
    name: 'DeadlineDropped',
    unit: 'Count',
    kind: 'sum',
    meaning: 'of `DroppedDeliveries`: a retry that would have started too close to the invocation’s timeout',
  },
  failed: {
    name: 'DroppedDeliveries',
    unit: 'Count',
    kind: 'sum',
    meaning: 'posts that failed for good (429 after retries, 413, 403, 5xx, past the deadline): that recipient missed the event',
  },
  recipients: {
    name: 'FanoutRecipients',
    unit: 'Count',
    kind: 'sample',
    meaning: 'recipients of one broadcast; its maximum shows a room nearing what one invocation can post',
  },
  fanoutDuration: { name: 'FanoutDuration', unit: 'Milliseconds', kind: 'sample', meaning: 'time one broadcast took, from reading its members to the last post, retries included' },
  rateLimited: { name: 'RateLimitedFrames', unit: 'Count', kind: 'sum', meaning: 'frames dropped over `RATE_LIMIT_FRAMES` per window (the first of them answered `RATE_LIMITED`)' },
  loginsRefusedTaken: { name: 'LoginsRefusedTaken', unit: 'Count', kind: 'sum', meaning: 'logins (`/nick`, `?nickname=`) refused with `NICKNAME_TAKEN`' },
  loginsRefusedInvalid: { name: 'LoginsRefusedInvalid', unit: 'Count', kind: 'sum', meaning: 'logins refused with `INVALID_NICKNAME`' },
  loginsRefusedOther: { name: 'LoginsRefusedOther', unit: 'Count', kind: 'sum', meaning: 'logins refused otherwise (the connection closed during its login)' },
  connectsAllowed: { name: 'ConnectsAllowed', unit: 'Count', kind: 'sum', meaning: '`$connect`s that passed the token check (only when `CONNECT_TOKEN` or `CONNECT_JWT_SECRET` is set)' },
  connectsDenied: { name: 'ConnectsDenied', unit: 'Count', kind: 'sum', meaning: '`$connect`s refused by the token check (401 no token, 403 a wrong one)' },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;
export const METRIC_KEYS: readonly MetricKey[] = Object.keys(METRICS).filter((key): key is MetricKey => key in METRICS);

/** The metric of a refused login, by the error its sender got. */
export function refusedLoginMetric(code: ErrorCode): MetricKey {
  if (code === 'NICKNAME_TAKEN') return 'loginsRefusedTaken';
  if (code === 'INVALID_NICKNAME') return 'loginsRefusedInvalid';
  return 'loginsRefusedOther';
}

/** The `route` dimension of the scheduled push, which has no API Gateway route. */
export const SCHEDULED_PUSH_ROUTE = 'scheduled';

/** What the chat and the fan-out record into: the running invocation's figures. */
export interface MetricsRecorder {
  /** Adds `value` (default 1) to this invocation's total of a `sum` metric, or keeps it as one sample. */
  record(metric: MetricKey, value?: number): void;
}

export const NO_METRICS: MetricsRecorder = { record() {} };

/** One invocation's figures: a total per `sum` metric, every value of a `sample` one. */
type Tally = Map<MetricKey, number[]>;

function recordInto(tally: Tally, metric: MetricKey, value: number): void {
  const values = tally.get(metric);
  if (!values) tally.set(metric, [value]);
  else if (METRICS[metric].kind === 'sample') values.push(value);
  else values[0] = (values[0] ?? 0) + value;
}

/** Where a publisher's recorder finds the tally of the invocation running now. */
interface InvocationSlot {
  current(): Tally | undefined;
  run<R>(tally: Tally, work: () => Promise<R>): Promise<R>;
}

function asyncLocalSlot(): InvocationSlot {
  const storage = new AsyncLocalStorage<Tally>();
  return { current: () => storage.getStore(), run: (tally, work) => storage.run(tally, work) };
}

/** One invocation at a time: the running one is a variable. A second started before the first ended is told once, as a warning. */
function sequentialSlot(log: Logger): InvocationSlot {
  let running: Tally | undefined;
  let overlapTold = false;
  return {
    current: () => running,
    async run(tally, work) {
      if (running && !overlapTold) {
        overlapTold = true;
        log.warn('invocations overlap in a process taken for one that runs one at a time: their metrics may mix (see invocationsOverlap in functions/metrics.ts)');
      }
      running = tally;
      try {
        return await work();
      } finally {
        if (running === tally) running = undefined;
      }
    },
  };
}

/**
 * Whether invocations may run concurrently in this process: anywhere but a Lambda execution environment
 * (AWS_LAMBDA_RUNTIME_API, which the runtime sets and a function cannot), and in one that says it runs
 * several (AWS_LAMBDA_MAX_CONCURRENCY, set for Lambda Managed Instances).
 */
export function invocationsOverlap(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.AWS_LAMBDA_RUNTIME_API === undefined || env.AWS_LAMBDA_MAX_CONCURRENCY !== undefined;
}

export interface Dimensions {
  readonly stage: string;
  readonly route: string;
}

export interface MetricsPublisher {
  /** Records into the invocation `run` is running now; outside one, nothing. */
  readonly recorder: MetricsRecorder;
  /** Runs `work` as one invocation, then publishes what it recorded, whether it returned or threw. */
  run<R>(dimensions: Dimensions, work: () => Promise<R>): Promise<R>;
}

export interface MetricsPublisherOptions {
  /** Whether invocations may overlap in this process (each then finds its own tally); see `invocationsOverlap`. */
  readonly overlapping: boolean;
}

// Powertools publishes by itself (dropping the dimensions) once a metric holds this many values.
const MAX_VALUES_PER_LINE = 100;

/** One per container: a Powertools Metrics instance writing EMF lines under `namespace`. */
export function createMetricsPublisher(namespace: string, log: Logger, options: MetricsPublisherOptions): MetricsPublisher {
  const metrics = new Metrics({ namespace, logger: log });
  const invocation = options.overlapping ? asyncLocalSlot() : sequentialSlot(log);
  // Powertools adds a `service` dimension to everything; ours are stage and route only.
  metrics.clearDefaultDimensions();

  function publish(tally: Tally, dimensions: Dimensions): void {
    // Synchronous from here on: concurrent invocations (npm start) cannot interleave their lines.
    for (let offset = 0; ; offset += MAX_VALUES_PER_LINE) {
      let added = false;
      for (const [metric, values] of tally) {
        const definition = METRICS[metric];
        for (const value of values.slice(offset, offset + MAX_VALUES_PER_LINE)) {
          // A zero total is left out: CloudWatch bills a metric only for the hours it receives data.
          if (definition.kind === 'sum' && value === 0) continue;
          if (!added) metrics.addDimensions({ stage: dimensions.stage, route: dimensions.route });
          metrics.addMetric(definition.name, definition.unit, value);
          added = true;
        }
      }
      // Only when something was added: an empty publish makes Powertools warn.
      if (!added) return;
      metrics.publishStoredMetrics();
    }
  }

  return {
    recorder: {
      record(metric, value = 1) {
        const tally = invocation.current();
        if (tally) recordInto(tally, metric, value);
      },
    },
    async run(dimensions, work) {
      const tally: Tally = new Map();
      try {
        return await invocation.run(tally, work);
      } finally {
        publish(tally, dimensions);
      }
    },
  };
}

/**
 * The dimensions of an invocation: the stage and route key API Gateway put in the event; for the
 * scheduled push, which has no event of API Gateway's, `SCHEDULED_PUSH_ROUTE` on the stage of its
 * callback URL (https://…/{stage}, as the stack builds it).
 */
export function dimensionsOf(event: unknown, callbackUrl: string | undefined): Dimensions {
  const context = typeof event === 'object' && event !== null && 'requestContext' in event ? event.requestContext : undefined;
  const field = (name: 'stage' | 'routeKey'): string | undefined => {
    if (typeof context !== 'object' || context === null || !(name in context)) return undefined;
    const value: unknown = Reflect.get(context, name);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const stage = field('stage') ?? (callbackUrl ? new URL(callbackUrl).pathname.split('/').findLast(Boolean) : undefined);
  return { stage: stage ?? 'unknown', route: field('routeKey') ?? SCHEDULED_PUSH_ROUTE };
}
