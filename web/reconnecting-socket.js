// @ts-check
// A WebSocket that comes back after a drop: exponential backoff with jitter, so a server restart is
// not met by every client at the same instant, and a quick retry after a connection that had lived.
// The socket factory and the clock are parameters: the page uses the browser's, Node tests pass the
// `ws` package or a fake, and a fake clock.

/** @typedef {import('./reconnecting-socket.js').SocketLike} SocketLike */
/** @typedef {import('./reconnecting-socket.js').Clock} Clock */
/** @typedef {import('./reconnecting-socket.js').SocketStatus} SocketStatus */
/** @typedef {import('./reconnecting-socket.js').ReconnectingSocketOptions} ReconnectingSocketOptions */

/** WebSocket.OPEN, without needing a global WebSocket. */
const OPEN = 1;

/** @type {Clock} */
export const systemClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(/** @type {ReturnType<typeof setTimeout>} */ (handle)),
};

/** @param {string} url */
const browserSocket = (url) => new WebSocket(url);

/**
 * Delay before reconnect attempt `attempt` (0-based): "equal jitter", between half and all of
 * min(maxMs, baseMs · 2^attempt).
 * @param {number} attempt
 * @param {number} baseMs
 * @param {number} maxMs
 * @param {() => number} random
 */
export function backoffDelay(attempt, baseMs, maxMs, random = Math.random) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export class ReconnectingSocket {
  /** @type {SocketLike | null} */
  #socket = null;
  /** @type {unknown} a scheduled reconnect */
  #timer;
  #attempt = 0;
  #connects = 0;
  /** @type {number | null} when the current socket opened */
  #openedAt = null;
  #url;
  #options;
  #clock;
  #createSocket;

  /**
   * @param {string} url
   * @param {ReconnectingSocketOptions} options
   */
  constructor(url, options) {
    this.#url = url;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#createSocket = options.createSocket ?? browserSocket;
  }

  get url() {
    return this.#url;
  }

  get isOpen() {
    return this.#socket?.readyState === OPEN;
  }

  start() {
    this.#cancelTimer();
    this.#options.onStatus({ state: 'connecting' });
    /** @type {SocketLike} */
    let socket;
    try {
      socket = this.#createSocket(this.#url);
    } catch (error) {
      // A malformed URL: retrying cannot help.
      this.#options.onStatus({ state: 'failed', reason: error instanceof Error ? error.message : String(error) });
      return;
    }
    this.#socket = socket;
    socket.addEventListener('open', () => {
      if (this.#socket !== socket) return;
      this.#openedAt = this.#clock.now();
      this.#connects += 1;
      this.#options.onStatus({ state: 'open', connects: this.#connects });
      this.#options.onOpen();
    });
    socket.addEventListener('message', (event) => {
      if (this.#socket === socket && typeof event.data === 'string') this.#options.onMessage(event.data);
    });
    // A refused handshake fires error then close; close alone is enough to schedule the retry. (The
    // empty error listener is for `ws`, which throws an error event nobody listens to.)
    socket.addEventListener('error', () => {});
    socket.addEventListener('close', (event) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      const opened = this.#openedAt !== null;
      const lived = this.#openedAt !== null && this.#clock.now() - this.#openedAt >= (this.#options.stableAfterMs ?? 10_000);
      if (lived) this.#attempt = 0;
      this.#openedAt = null;
      const delayMs = backoffDelay(this.#attempt, this.#options.baseDelayMs ?? 500, this.#options.maxDelayMs ?? 15_000, this.#options.random);
      this.#attempt += 1;
      this.#options.onStatus({ state: 'waiting', delayMs, attempt: this.#attempt, code: event.code, opened });
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = undefined;
        this.start();
      }, delayMs);
    });
  }

  stop() {
    this.#cancelTimer();
    const socket = this.#socket;
    this.#socket = null; // its close event is ours, not a drop
    this.#openedAt = null;
    socket?.close();
    this.#options.onStatus({ state: 'stopped' });
  }

  /**
   * Replaces an open connection with a new one at once, without a drop being reported (the old one
   * is closed by us): before API Gateway's 2-hour cap closes it.
   */
  recycle() {
    const socket = this.#socket;
    this.#socket = null; // its close event is ours, not a drop
    this.#openedAt = null;
    socket?.close();
    this.start();
  }

  /** Skips the wait, e.g. when the browser comes back online or the user asks. */
  reconnectNow() {
    if (this.#timer !== undefined) this.start();
  }

  /**
   * @param {string} text
   * @returns {boolean} false when not connected (nothing was sent)
   */
  send(text) {
    if (!this.#socket || this.#socket.readyState !== OPEN) return false;
    this.#socket.send(text);
    return true;
  }

  #cancelTimer() {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

// reconnecting-socket.d.ts declares this module for TypeScript importers: tsc checks it says the truth.
void (/** @satisfies {typeof import('./reconnecting-socket.js').ReconnectingSocket} */ (ReconnectingSocket));
void (/** @satisfies {typeof import('./reconnecting-socket.js').backoffDelay} */ (backoffDelay));
