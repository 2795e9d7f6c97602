// @ts-check
// A WebSocket that comes back after a drop: exponential backoff with jitter, so a server restart is
// not met by every client at the same instant, and a quick retry after a connection that had lived.

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

/**
 * @typedef {{ state: 'connecting' } | { state: 'open', connects: number }
 *   | { state: 'waiting', delayMs: number, attempt: number, code: number }
 *   | { state: 'failed', reason: string }} SocketStatus
 */

/**
 * @typedef {object} ReconnectingSocketOptions
 * @property {() => void} onOpen
 * @property {(text: string) => void} onMessage
 * @property {(status: SocketStatus) => void} onStatus
 * @property {number} [baseDelayMs]
 * @property {number} [maxDelayMs]
 * @property {number} [stableAfterMs] a connection open this long resets the backoff
 */

export class ReconnectingSocket {
  /** @type {WebSocket | null} */
  #socket = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #timer;
  #attempt = 0;
  #connects = 0;
  #openedAt = 0;
  #url;
  #options;

  /**
   * @param {string} url
   * @param {ReconnectingSocketOptions} options
   */
  constructor(url, options) {
    this.#url = url;
    this.#options = options;
  }

  get url() {
    return this.#url;
  }

  get isOpen() {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  start() {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#options.onStatus({ state: 'connecting' });
    /** @type {WebSocket} */
    let socket;
    try {
      socket = new WebSocket(this.#url);
    } catch (error) {
      // A malformed URL: retrying cannot help.
      this.#options.onStatus({ state: 'failed', reason: error instanceof Error ? error.message : String(error) });
      return;
    }
    this.#socket = socket;
    socket.addEventListener('open', () => {
      this.#openedAt = Date.now();
      this.#connects += 1;
      this.#options.onStatus({ state: 'open', connects: this.#connects });
      this.#options.onOpen();
    });
    socket.addEventListener('message', (event) => {
      if (typeof event.data === 'string') this.#options.onMessage(event.data);
    });
    // A refused handshake fires error then close; close alone is enough to schedule the retry.
    socket.addEventListener('close', (event) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      const lived = this.#openedAt > 0 && Date.now() - this.#openedAt >= (this.#options.stableAfterMs ?? 10_000);
      if (lived) this.#attempt = 0;
      this.#openedAt = 0;
      const delayMs = backoffDelay(this.#attempt, this.#options.baseDelayMs ?? 500, this.#options.maxDelayMs ?? 15_000);
      this.#attempt += 1;
      this.#options.onStatus({ state: 'waiting', delayMs, attempt: this.#attempt, code: event.code });
      this.#timer = setTimeout(() => this.start(), delayMs);
    });
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
    if (!this.isOpen || !this.#socket) return false;
    this.#socket.send(text);
    return true;
  }
}
