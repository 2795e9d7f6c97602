// Wraps route handlers to time each invocation and to know when they have finished, so a broadcast's
// window closes only after its handler has returned (its last posts may land after the last receipt),
// and a broadcast whose handler failed is given up on at once instead of at the timeout.
import type { WebSocketEvent, WebSocketResult } from '../../functions/websocket-event.ts';

export type RouteHandler = (event: WebSocketEvent) => Promise<WebSocketResult>;

export class HandlerClock {
  private running = 0;
  private started = 0;
  private durations: number[] = [];
  private waiters: Array<() => void> = [];
  /** The status (or error) of the last invocation to finish. */
  lastOutcome = '';

  wrap(handler: RouteHandler): RouteHandler {
    return async (event) => {
      this.running += 1;
      this.started += 1;
      const startedAt = performance.now();
      try {
        const result = await handler(event);
        this.lastOutcome = `HTTP ${result.statusCode}`;
        return result;
      } catch (error) {
        this.lastOutcome = String(error);
        throw error;
      } finally {
        this.durations.push(performance.now() - startedAt);
        this.running -= 1;
        for (const wake of this.waiters.splice(0)) wake();
      }
    };
  }

  /** A mark to pass to `finishedSince`. */
  mark(): number {
    return this.started;
  }

  /** Resolves once an invocation has started after `mark` and none is running. */
  async finishedSince(mark: number): Promise<void> {
    while (this.started <= mark || this.running > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** The durations (ms) recorded since the last call. */
  take(): number[] {
    return this.durations.splice(0);
  }
}
