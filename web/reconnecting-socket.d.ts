// The types of reconnecting-socket.js, for TypeScript importers (the Node tests; the root tsconfig reads
// no JS). The module itself is plain JS typed with JSDoc; its last lines make `tsc -p web/tsconfig.json`
// check that it matches these declarations.

/**
 * What the client needs of a WebSocket: the browser's `WebSocket` and the `ws` package's both are one
 * (and so is a test's fake).
 */
export interface SocketLike {
  /** 1 = OPEN, as WebSocket.OPEN. */
  readonly readyState: number;
  send(text: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number }) => void): void;
  /** A refused handshake fires error then close; `ws` throws an error event nobody listens to. */
  addEventListener(type: 'error', listener: () => void): void;
}

/** Opens a socket to `url`; may throw for a malformed URL (as `new WebSocket` does). */
export type CreateSocket = (url: string) => SocketLike;

/** Time and timers, so that tests can run the backoff and the retries on a fake clock. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type SocketStatus =
  | { state: 'connecting' }
  | { state: 'open'; connects: number }
  /** `opened`: whether the socket that closed had opened (false: its handshake failed or was refused). */
  | { state: 'waiting'; delayMs: number; attempt: number; code: number; opened: boolean }
  | { state: 'failed'; reason: string }
  | { state: 'stopped' };

export interface ReconnectingSocketOptions {
  onOpen(): void;
  onMessage(text: string): void;
  onStatus(status: SocketStatus): void;
  /** Default: the global `WebSocket`. */
  createSocket?: CreateSocket;
  /** Default: `Date.now` and the global timers. */
  clock?: Clock;
  /** Default: `Math.random`; the jitter of the backoff. */
  random?: () => number;
  /** Default 500. */
  baseDelayMs?: number;
  /** Default 15,000. */
  maxDelayMs?: number;
  /** A connection open this long resets the backoff; default 10,000. */
  stableAfterMs?: number;
}

/** The wall clock and the global timers. */
export declare const systemClock: Clock;

/**
 * Delay before reconnect attempt `attempt` (0-based): "equal jitter", between half and all of
 * min(maxMs, baseMs · 2^attempt).
 */
export declare function backoffDelay(attempt: number, baseMs: number, maxMs: number, random?: () => number): number;

export declare class ReconnectingSocket {
  constructor(url: string, options: ReconnectingSocketOptions);
  readonly url: string;
  readonly isOpen: boolean;
  /** Connects now (again), cancelling a scheduled attempt. */
  start(): void;
  /** Closes the socket and stops reconnecting, until `start()`. */
  stop(): void;
  /** Skips the wait, e.g. when the browser comes back online or the user asks. */
  /** Replaces an open connection with a new one at once; no drop is reported. */
  recycle(): void;
  reconnectNow(): void;
  /** False when not connected (nothing was sent). */
  send(text: string): boolean;
}
