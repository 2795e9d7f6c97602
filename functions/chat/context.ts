// What every part of the chat shares: the store, the log, the clock and the timing settings.
import type { Logger } from '../log.ts';
import type { MetricsRecorder } from '../metrics.ts';
import type { ChatStore } from '../store.ts';
import type { Scheduler } from './later.ts';

export interface ChatContext {
  readonly store: ChatStore;
  readonly log: Logger;
  readonly clock: () => number;
  /** The current invocation's metrics (functions/metrics.ts); also there for delivery to record per broadcast. */
  readonly metrics: MetricsRecorder;
  /**
   * A connection younger than this may still be inside its `$connect` (API Gateway answers 410 for it
   * until `$connect` returns), so a 410 does not evict it.
   */
  readonly connectGraceMs: number;
  /** A claim whose holder no longer uses that name (a crash between writes) may be taken over after this. */
  readonly claimSettleMs: number;
  /** Frames each connection may send per window; more get one RATE_LIMITED and are dropped. 0 frames = no limit. */
  readonly rateLimit: { readonly frames: number; readonly windowMs: number };
  /** A user whose socket went away is announced as left after this, unless they resume first. */
  readonly resumeGraceMs: number;
  /** How long a resume token is good for. */
  readonly resumeTokenTtlSeconds: number;
  /** Under NICKNAME_FROM_CLAIM, how long a nickname stays bound to the account that last used it. */
  readonly nicknameOwnerTtlSeconds: number;
  /** Where deferred leaves wait; none: a leave is announced at once (a resume then says "joined"). */
  readonly later?: Scheduler;
}
