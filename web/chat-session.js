// @ts-check
// The chat client without the DOM: the connection (through ReconnectingSocket), the nickname it wants
// and the login attempts, the retries while an old connection still holds that nickname, and what a
// new connection must get back after a drop (nickname, room, ignore). Plain text frames out (exactly
// what a wscat user types), JSON events in. It asks for the lists the page shows (/ls, /rooms) itself
// and keeps those answers out of the log. The page (app.js) renders what it reports through `onChange`
// and `onLog`; Node tests drive it with a fake or a `ws` socket and a fake clock.
import { ReconnectingSocket, systemClock } from './reconnecting-socket.js';

/** @typedef {import('./chat-session.js').ChatEvent} ChatEvent */
/** @typedef {import('./chat-session.js').ChatSessionOptions} ChatSessionOptions */
/** @typedef {import('./chat-session.js').LogEntry} LogEntry */
/** @typedef {import('./chat-session.js').RoomEntry} RoomEntry */
/** @typedef {import('./chat-session.js').SessionState} SessionState */
/** @typedef {import('./chat-session.js').SocketStatus} SocketStatus */

export const LOBBY = 'lobby';
export const REFRESH_INTERVAL_MS = 3000;
export const NICK_RETRY_DELAYS_MS = Object.freeze([1000, 2000, 4000, 8000, 16000, 32000]);

/**
 * A login in progress: the nickname asked for and, after a drop, what the old connection had.
 * @typedef {{ nickname: string, restore: { room: string | null, ignoring: boolean } | null, retries: number }} Login
 */

/** @param {unknown} value */
const text = (value) => (typeof value === 'string' ? value : String(value));

/**
 * @param {unknown} entry
 * @returns {RoomEntry}
 */
function roomEntry(entry) {
  const { room, count } = /** @type {{ room?: unknown, count?: unknown }} */ (entry && typeof entry === 'object' ? entry : {});
  return { room: text(room), count: typeof count === 'number' ? count : 0 };
}

export class ChatSession {
  #transport;
  #clock;
  #onChange;
  #onLog;
  /** @type {SessionState} */
  #state = { connection: { state: 'stopped' }, nickname: null, wanted: null, room: null, ignoring: false, users: [], userCount: null, rooms: [] };
  /** @type {Login | null} */
  #login = null;
  /** @type {unknown} */
  #retryTimer;
  /** @type {unknown} */
  #refreshTimer;
  #lastRefresh = -Infinity;
  /** Answers to requests the session sent itself, not to be logged. */
  #quiet = { users: 0, rooms: 0 };

  /** @param {ChatSessionOptions} options */
  constructor(options) {
    this.#clock = options.clock ?? systemClock;
    this.#onChange = options.onChange;
    this.#onLog = options.onLog;
    this.#transport = new ReconnectingSocket(options.url, {
      createSocket: options.createSocket,
      clock: this.#clock,
      random: options.random,
      onOpen: () => {
        if (this.#login) this.send(`/nick ${this.#login.nickname}`);
      },
      onMessage: (frame) => this.#onFrame(frame),
      onStatus: (status) => this.#onStatus(status),
    });
  }

  get url() {
    return this.#transport.url;
  }

  get state() {
    return this.#state;
  }

  start() {
    this.#transport.start();
  }

  stop() {
    this.#transport.stop();
  }

  reconnectNow() {
    this.#transport.reconnectNow();
  }

  /** @param {string} nickname */
  login(nickname) {
    const name = nickname.trim();
    if (!name) return false;
    this.#cancelRetry();
    this.#login = { nickname: name, restore: null, retries: 0 };
    this.#update({ wanted: name });
    if (this.#transport.isOpen) this.send(`/nick ${name}`);
    else this.#log({ type: 'login-pending', nickname: name });
    return true;
  }

  /** @param {string} frame */
  send(frame) {
    if (this.#transport.send(frame)) return true;
    this.#log({ type: 'not-sent', text: frame });
    return false;
  }

  /** @param {string} room */
  join(room) {
    const name = room.trim();
    return name !== '' && this.send(`/join ${name}`);
  }

  leave() {
    return this.send('/leave');
  }

  history() {
    return this.send('/history');
  }

  toggleIgnore() {
    return this.send('/i');
  }

  refreshRooms() {
    this.#sendQuietly('rooms');
  }

  // --- the connection ------------------------------------------------------------------------------
  /** @param {SocketStatus} status */
  #onStatus(status) {
    if (status.state === 'waiting' || status.state === 'stopped') {
      this.#onDisconnected(status);
      if (status.state === 'waiting') this.#log({ type: 'connection-lost', code: status.code, delayMs: status.delayMs });
      return;
    }
    this.#update({ connection: status });
    if (status.state === 'open' && status.connects > 1) this.#log({ type: 'reconnected' });
    if (status.state === 'failed') this.#log({ type: 'cannot-connect', url: this.url, reason: status.reason });
  }

  /**
   * Everything the server knew about this connection is gone; remember what to restore.
   * @param {SocketStatus} status
   */
  #onDisconnected(status) {
    const { nickname, room, ignoring } = this.#state;
    if (nickname) this.#login = { nickname, restore: { room, ignoring }, retries: 0 };
    this.#cancelRetry(); // the next connection asks at once
    if (this.#refreshTimer !== undefined) this.#clock.clearTimeout(this.#refreshTimer);
    this.#refreshTimer = undefined;
    this.#quiet = { users: 0, rooms: 0 };
    this.#update({ connection: status, nickname: null, wanted: this.#login?.nickname ?? null, room: null, ignoring: false, users: [], userCount: null });
  }

  // --- incoming frames -------------------------------------------------------------------------------
  /** @param {string} frame */
  #onFrame(frame) {
    /** @type {unknown} */
    let parsed;
    try {
      parsed = JSON.parse(frame);
    } catch {
      return this.#log({ type: 'text', text: frame });
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return this.#log({ type: 'text', text: frame });
    const event = /** @type {ChatEvent} */ (parsed);
    // API Gateway's own frames ({"message": "Internal server error", "connectionId", "requestId"}) have no type.
    if (event.type === undefined && typeof event.message === 'string') return this.#log({ type: 'gateway-error', message: event.message });
    if (this.#handle(event)) this.#log({ type: 'event', event, me: this.#state.nickname });
  }

  /**
   * Applies an event to the state.
   * @param {ChatEvent} event
   * @returns {boolean} whether the event belongs in the log
   */
  #handle(event) {
    switch (event.type) {
      case 'login':
        this.#onLogin(text(event.nickname));
        return true;
      case 'system':
        // Joins, leaves and renames in our room (announcements are per room).
        this.#refreshUsersSoon();
        return true;
      case 'users': {
        // Requests run concurrently on the server: an answer from before a room change must not
        // replace the new room's list.
        if (event.room === this.#state.room) {
          const users = Array.isArray(event.users) ? event.users.map(text) : [];
          const count = typeof event.count === 'number' ? event.count : null;
          // Our room's count, without asking /rooms (a crowded room lists only its first names).
          const rooms = count === null ? this.#state.rooms : this.#state.rooms.map((entry) => (entry.room === event.room ? { room: entry.room, count } : entry));
          this.#update({ users, userCount: count, rooms });
        }
        return !this.#takeQuiet('users');
      }
      case 'rooms':
        this.#update({ rooms: Array.isArray(event.rooms) ? event.rooms.map(roomEntry) : [] });
        return !this.#takeQuiet('rooms');
      case 'room':
        this.#update({ room: text(event.room) });
        this.#refreshNow(); // a room change was asked for by the user: show the new room's people at once
        return true;
      case 'ignore':
        this.#update({ ignoring: event.ignoring === true });
        return true;
      case 'error':
        return this.#onError(text(event.code));
      default:
        return true; // history (one event, its `messages` list), message, private, help, whoami, newer ones
    }
  }

  /** @param {string} nickname */
  #onLogin(nickname) {
    const firstLogin = this.#state.nickname === null;
    const login = this.#login;
    this.#login = null;
    this.#cancelRetry();
    // A first login on a connection is in the lobby; a rename keeps the room.
    this.#update(firstLogin ? { nickname, wanted: null, room: LOBBY } : { nickname, wanted: null });
    const restore = login?.restore;
    if (restore) {
      // Back after a drop: rejoin the room and re-apply ignore, both reset on a new connection.
      if (restore.room && restore.room !== LOBBY) this.send(`/join ${restore.room}`);
      if (restore.ignoring) this.send('/i');
    }
    if (firstLogin) this.#refreshNow();
  }

  /**
   * @param {string} code
   * @returns {boolean} whether the error belongs in the log
   */
  #onError(code) {
    const login = this.#login;
    if (!login || (code !== 'NICKNAME_TAKEN' && code !== 'INVALID_NICKNAME')) return true;
    const delayMs = code === 'NICKNAME_TAKEN' && login.restore ? NICK_RETRY_DELAYS_MS[login.retries] : undefined;
    if (delayMs === undefined) {
      this.#login = null; // refused: the user picks another
      this.#update({ wanted: null });
      return true;
    }
    // Our previous connection may still hold the name until the server notices it is gone.
    login.retries += 1;
    this.#log({ type: 'nick-retry', nickname: login.nickname, delayMs });
    this.#retryTimer = this.#clock.setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#login === login) this.#transport.send(`/nick ${login.nickname}`);
    }, delayMs);
    return false;
  }

  #cancelRetry() {
    if (this.#retryTimer === undefined) return;
    this.#clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  // --- the lists the page shows ------------------------------------------------------------------------
  /**
   * A request whose answer only updates the state.
   * @param {'users' | 'rooms'} kind
   */
  #sendQuietly(kind) {
    if (this.#transport.send(kind === 'users' ? '/ls' : '/rooms')) this.#quiet[kind] += 1;
  }

  /** @param {'users' | 'rooms'} kind */
  #takeQuiet(kind) {
    if (this.#quiet[kind] === 0) return false;
    this.#quiet[kind] -= 1;
    return true;
  }

  /** Asks for the online list and the rooms now. */
  #refreshNow() {
    if (!this.#state.nickname) return;
    this.#lastRefresh = this.#clock.now();
    this.#sendQuietly('users');
    this.#sendQuietly('rooms');
  }

  /** Asks for the online list again soon, at most once per REFRESH_INTERVAL_MS. */
  #refreshUsersSoon() {
    if (this.#refreshTimer !== undefined || !this.#state.nickname) return;
    const wait = Math.max(0, this.#lastRefresh + REFRESH_INTERVAL_MS - this.#clock.now());
    this.#refreshTimer = this.#clock.setTimeout(() => {
      this.#refreshTimer = undefined;
      this.#lastRefresh = this.#clock.now();
      if (this.#state.nickname) this.#sendQuietly('users');
    }, wait);
  }

  // --- reporting -------------------------------------------------------------------------------------
  /** @param {Partial<SessionState>} patch */
  #update(patch) {
    /** @type {Set<keyof SessionState>} */
    const changed = new Set();
    for (const key of /** @type {Array<keyof SessionState>} */ (Object.keys(patch))) {
      if (patch[key] !== this.#state[key]) changed.add(key);
    }
    if (changed.size === 0) return;
    this.#state = Object.freeze({ ...this.#state, ...patch });
    this.#onChange?.(this.#state, changed);
  }

  /** @param {LogEntry} entry */
  #log(entry) {
    this.#onLog?.(entry);
  }
}

// chat-session.d.ts declares this module for TypeScript importers: tsc checks it says the truth.
void (/** @satisfies {typeof import('./chat-session.js').ChatSession} */ (ChatSession));
void (/** @satisfies {typeof import('./chat-session.js').NICK_RETRY_DELAYS_MS} */ (NICK_RETRY_DELAYS_MS));
