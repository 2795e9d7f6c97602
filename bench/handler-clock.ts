// Wraps route handlers to time each invocation and to know when none is running, so a broadcast's
// window closes only after its handler has returned (its last posts may land after the last receipt).
import type { WebSocketEvent, WebSocketResult } from '../functions/websocket-event.ts';

export type RouteHandler = (event: WebSocketEvent) => Promise<WebSocketResult>;

export class HandlerClock {
  private running = 0;
  private durations: number[] = [];
  private idleWaiters: Array<() => void> = [];

  wrap(handler: RouteHandler): RouteHandler {
    return async (event) => {
      this.running += 1;
      const started = performance.now();
      try {
        return await handler(event);
      } finally {
        this.durations.push(performance.now() - started);
        this.running -= 1;
        if (this.running === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      }
    };
  }

  /** Resolves once no wrapped handler is running. */
  idle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The durations (ms) recorded since the last call. */
  take(): number[] {
    return this.durations.splice(0);
  }
}
