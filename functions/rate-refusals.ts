// Cheap refusals: a connection this container has already seen over its rate window is refused before
// any DynamoDB request, until that window ends. Safe because a window's frame count only grows within
// the window (the store adds to it; only a frame after the window's end opens a new one), so every
// later frame of that window would be counted past the limit and dropped, and the window's one
// RATE_LIMITED reply was sent by the frame that first went over. A hint per container, like the store's
// window hints: a lost entry costs only the request it would have saved.

/** Windows remembered per container; when full, forgotten all at once (each costs one request to relearn). */
const MAX_REFUSED_WINDOWS = 10_000;

export interface RateRefusals {
  /** True when the frame is known to be over its window's limit without asking the store. */
  refuses(connectionId: string, now: number): boolean;
  /** A frame of the window that began at `windowStart` was counted past the limit. */
  overLimit(connectionId: string, windowStart: number): void;
}

export function createRateRefusals(windowMs: number): RateRefusals {
  /** When each refused window ends (ms since the epoch). */
  const windowEnds = new Map<string, number>();
  return {
    refuses(connectionId, now) {
      const end = windowEnds.get(connectionId);
      if (end === undefined) return false;
      // The store's test for "the same window" is windowStart > now - windowMs, i.e. now < the end.
      if (now < end) return true;
      windowEnds.delete(connectionId);
      return false;
    },
    overLimit(connectionId, windowStart) {
      if (windowEnds.size >= MAX_REFUSED_WINDOWS) windowEnds.clear();
      windowEnds.set(connectionId, windowStart + windowMs);
    },
  };
}
