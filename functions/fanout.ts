// Fan-out through API Gateway's management API (`postToConnection`; functions/management-api.ts, no
// SDK client). One per endpoint per container, keep-alive sockets, a bound on posts in flight. A 410
// is reported back to the caller (which removes the connection); a 429 (throttled, or the client's
// buffer full) or a transient failure is retried with backoff and jitter a bounded number of times,
// then dropped for that recipient only; 413 and 403 are final. Failures are logged and counted, never
// thrown at the sender. An invocation's view of the fan-out (`until`) starts no retry past its
// deadline, so a client that never reads cannot keep a handler running into its Lambda timeout.
import { httpStatusOf, isAwsError } from './aws-errors.ts';
import { signingFromEnvironment, type AwsSigning } from './aws-signing.ts';
import { createBound } from './bound.ts';
import { POST_TIMEOUT_MS } from './connection-poster.ts';
import { createKeepAliveHttp } from './keep-alive-http.ts';
import type { Logger } from './log.ts';
import { createManagementApi } from './management-api.ts';
import { NO_METRICS, type MetricKey, type MetricsRecorder } from './metrics.ts';

/** `too-large`: 413, the event is over API Gateway's message size; the caller must tell someone. */
export type PostOutcome = 'delivered' | 'gone' | 'too-large' | 'failed';

/** Retries of a post answered 429: full-jitter exponential backoff, `baseMs` · 2^attempt at most. */
export interface ThrottleRetry {
  attempts: number;
  baseMs: number;
}

export const DEFAULT_THROTTLE_RETRY: ThrottleRetry = { attempts: 3, baseMs: 50 };

export interface FanoutResult {
  delivered: number;
  failed: number;
  /** Connection ids that answered 410 Gone: the caller cleans them up. */
  gone: string[];
}

export interface FanoutMetrics {
  posts: number;
  delivered: number;
  gone: number;
  failed: number;
  /** Posts answered 429 and tried again. */
  retried: number;
  /** Of `failed`: still 429 after every retry. */
  throttled: number;
  /** Of `failed`: answered 413 (over the message size limit). */
  tooLarge: number;
  /** Of `failed`: a retry that would have started past its invocation's deadline. */
  pastDeadline: number;
}

export interface Fanout {
  /** The `@connections` endpoint it posts to (a deferred task names it, to post through the same). */
  readonly endpoint: string;
  readonly metrics: FanoutMetrics;
  post(connectionId: string, data: Uint8Array): Promise<PostOutcome>;
  /** Posts the same bytes to every id, at most `concurrency` in flight across all callers. */
  postToAll(connectionIds: readonly string[], data: Uint8Array): Promise<FanoutResult>;
  /** GET @connections/{id}: false only on a definite 410 (the socket is gone). */
  isConnected(connectionId: string): Promise<boolean>;
  /** DELETE @connections/{id}: closes the socket (its `$disconnect` follows); gone already is fine. */
  close(connectionId: string): Promise<void>;
  /** The same management API, pool, bound and metrics for one invocation: no retry starts after `deadline` (epoch ms). */
  until(deadline: number): Fanout;
}

export interface FanoutOptions {
  endpoint: string;
  concurrency: number;
  log: Logger;
  /** Credentials, Region and hash the requests are signed with; default: the environment's (signingFromEnvironment). */
  signing?: AwsSigning;
  throttleRetry?: ThrottleRetry;
  /** Waits before a retry; tests may replace it. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  clock?: () => number;
  /** The current invocation's metrics (functions/metrics.ts): each outcome also goes there. */
  metrics?: MetricsRecorder;
}

export function createFanout(options: FanoutOptions): Fanout {
  // One keep-alive pool sized to the bound: a TLS handshake per post would dominate a broadcast.
  const http = createKeepAliveHttp(options.endpoint, { maxSockets: options.concurrency, timeoutMs: POST_TIMEOUT_MS });
  const api = createManagementApi(options.signing ?? signingFromEnvironment(process.env), options.endpoint, http);
  const bound = createBound(options.concurrency);
  const metrics: FanoutMetrics = { posts: 0, delivered: 0, gone: 0, failed: 0, retried: 0, throttled: 0, tooLarge: 0, pastDeadline: 0 };
  const log = options.log;
  const retry = options.throttleRetry ?? DEFAULT_THROTTLE_RETRY;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const clock = options.clock ?? Date.now;
  const recorder = options.metrics ?? NO_METRICS;
  /** Counts an outcome for the container's lifetime (FanoutMetrics) and for the invocation's metrics. */
  const count = (outcome: keyof FanoutMetrics & MetricKey) => {
    metrics[outcome] += 1;
    recorder.record(outcome);
  };

  async function isConnected(connectionId: string): Promise<boolean> {
    try {
      await api.getConnection(connectionId);
      return true;
    } catch (error) {
      if (isGone(error)) return false;
      log.warn('getConnection failed', { connectionId, error: describe(error) });
      return true; // unsure: never evict a user on a non-answer
    }
  }

  async function close(connectionId: string): Promise<void> {
    try {
      await api.deleteConnection(connectionId);
    } catch (error) {
      if (!isGone(error)) log.warn('deleteConnection failed', { connectionId, error: describe(error) });
    }
  }

  /** The fanout as one invocation sees it: retries stop at `deadline` (none: no deadline). */
  function view(deadline: number): Fanout {
    let toldDeadline = false;

    /**
     * One recipient, retries included. Each attempt takes a slot of the bound; the backoff between them
     * does not. The first attempt is a chain of three promises (a broadcast makes one per recipient).
     */
    function post(connectionId: string, data: Uint8Array): Promise<PostOutcome> {
      metrics.posts += 1;
      return tryOnce(connectionId, data).then(delivered, (error: unknown) => afterFailure(connectionId, data, error, 0));
    }

    /** One attempt: a slot of the bound, for the post alone. */
    function tryOnce(connectionId: string, data: Uint8Array): Promise<void> {
      return bound(() => api.postToConnection(connectionId, data));
    }

    function delivered(): PostOutcome {
      count('delivered');
      return 'delivered';
    }

    /** What follows a failed attempt: the outcome, or another attempt after a backoff. */
    async function afterFailure(connectionId: string, data: Uint8Array, failure: unknown, failedAttempt: number): Promise<PostOutcome> {
      let error = failure;
      for (let attempt = failedAttempt; ; attempt += 1) {
        if (isGone(error)) {
          count('gone');
          return 'gone';
        }
        const wait = random() * retry.baseMs * 2 ** attempt;
        const retryable = isRetryable(error) && attempt < retry.attempts;
        if (retryable && clock() + wait < deadline) {
          count('retried');
          await sleep(wait);
          try {
            await tryOnce(connectionId, data);
            return delivered();
          } catch (next) {
            error = next;
            continue;
          }
        }
        count('failed');
        if (retryable) {
          count('pastDeadline');
          // Once per invocation: a client that never reads would otherwise log every post it refuses.
          if (!toldDeadline) log.warn('invocation deadline reached: retries dropped', { connectionId, error: describe(error) });
          toldDeadline = true;
          return 'failed';
        }
        if (isThrottled(error)) count('throttled');
        const tooLarge = isTooLarge(error);
        if (tooLarge) count('tooLarge');
        log.warn('postToConnection failed', { connectionId, attempts: attempt + 1, bytes: data.byteLength, error: describe(error) });
        return tooLarge ? 'too-large' : 'failed';
      }
    }

    return {
      endpoint: options.endpoint,
      metrics,
      post,

      async postToAll(connectionIds, data) {
        const outcomes = await Promise.all(connectionIds.map((id) => post(id, data)));
        const result: FanoutResult = { delivered: 0, failed: 0, gone: [] };
        outcomes.forEach((outcome, index) => {
          if (outcome === 'delivered') result.delivered += 1;
          else if (outcome === 'gone') result.gone.push(connectionIds[index] as string);
          else result.failed += 1;
        });
        return result;
      },

      isConnected,
      close,
      until: (next) => view(Math.min(deadline, next)),
    };
  }

  return view(Number.POSITIVE_INFINITY);
}

/**
 * The last moment a retry may start in an invocation with `remainingMs` left: a retry can take a whole
 * post timeout, and must end before Lambda stops the invocation (which would cut every post after it).
 */
export function retryDeadline(now: number, remainingMs: number): number {
  return now + remainingMs - POST_TIMEOUT_MS - RETRY_DEADLINE_MARGIN_MS;
}
const RETRY_DEADLINE_MARGIN_MS = 500;

/** 413: the event is larger than API Gateway delivers (PayloadTooLargeException). */
export function isTooLarge(error: unknown): boolean {
  return isAwsError(error, 'PayloadTooLargeException') || httpStatusOf(error) === 413;
}

/** 429, a 5xx or a dropped connection: worth another try. 410, 413, 403 and 400 are final. */
export function isRetryable(error: unknown): boolean {
  const status = httpStatusOf(error);
  return isThrottled(error) || status === undefined || status >= 500;
}

/** 429: API Gateway throttled us, or the client's outbound buffer is full (LimitExceededException). */
export function isThrottled(error: unknown): boolean {
  return isAwsError(error, 'LimitExceededException', 'ThrottlingException', 'TooManyRequestsException') || httpStatusOf(error) === 429;
}

/** 410: the connection is gone (GoneException). SDK v3 errors carry no `statusCode`: matched by name or HTTP status. */
export function isGone(error: unknown): boolean {
  return isAwsError(error, 'GoneException') || httpStatusOf(error) === 410;
}

function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  return { name: error.name, message: error.message, status: httpStatusOf(error) };
}
