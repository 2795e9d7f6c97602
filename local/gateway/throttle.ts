// API Gateway's stage/route throttling: a token bucket per route (the stage's default route settings
// apply to each route on its own), `burstLimit` tokens at most, refilled at `rateLimit` per second; a
// request that finds no token is refused without invoking the integration. Ten lines, so no dependency.
import type { ThrottleSettings } from './types.ts';

export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly settings: ThrottleSettings,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = settings.burstLimit;
    this.refilledAt = now();
  }

  /** Takes a token if there is one. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.settings.burstLimit, this.tokens + ((now - this.refilledAt) / 1000) * this.settings.rateLimit);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** One bucket per route key, made on first use; none at all when throttling is off. */
export function routeThrottle(settings: ThrottleSettings | undefined): (routeKey: string) => boolean {
  if (!settings) return () => true;
  const buckets = new Map<string, TokenBucket>();
  return (routeKey) => {
    let bucket = buckets.get(routeKey);
    if (!bucket) buckets.set(routeKey, (bucket = new TokenBucket(settings)));
    return bucket.take();
  };
}
