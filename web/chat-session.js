// @ts-check
// The chat client without the DOM: the connection (through ReconnectingSocket), the nickname it wants
// and the login attempts, and what a new connection must get back after a drop: it resumes with the
// token of its last login and the last seq it saw of its room (nickname, room, ignore and what was
// said meanwhile come back; the room sees nothing), and falls back to logging in again (with retries
// while an old connection still holds that nickname) when the server refuses the token. It replaces
// its connection shortly before API Gateway's 2-hour cap the same way. Plain text frames out (exactly
// what a wscat user types), JSON events in. It asks for the lists the page shows (/ls, /rooms) itself
// and keeps those answers out of the log. The page (app.js) renders what it reports through `onChange`
// and `onLog`; Node tests drive it with a fake or a `ws` socket and a fake clock.
import { ReconnectingSocket, systemClock } from './reconnecting-socket.js';
import { SeenSeqs } from './seen-seqs.js';

/** @typedef {import('./chat-session.js').ChatEvent} ChatEvent */
/** @typedef {import('./chat-session.js').ChatSessionOptions} ChatSessionOptions */
/** @typedef {import('./chat-session.js').LogEntry} LogEntry */
/** @typedef {import('./chat-session.js').RoomEntry} RoomEntry */
/** @typedef {import('./chat-session.js').SessionState} SessionState */
/** @typedef {import('./chat-session.js').SocketStatus} SocketStatus */

export const LOBBY = 'lobby';
export const REFRESH_INTERVAL_MS = 3000;
/*
 * Back after a drop, NICKNAME_TAKEN for our own nickname is ambiguous: the server cannot tell our
 * previous connection (its $disconnect not run yet, its socket not yet known to be gone) from someone
 * else who took the name while we were away. The first clears up within seconds, the second never: so
 * the session retries briefly — 3 tries over 5 s — and only while the drop is recent (10 s). After
 * that, or straight away when the drop is older than the window (e.g. a server restart that took a
 * while), the name is someone else's: the session says so and asks for another nickname.
 */
export const NICK_RETRY_DELAYS_MS = Object.freeze([1000, 2000, 2000]);
export const NICK_RETRY_WINDOW_MS = 10_000;
/** API Gateway closes every connection after 2 hours; the session moves to a new one 5 minutes before. */
export const RECYCLE_AFTER_MS = (120 - 5) * 60 * 1000;

/**
 * A login in progress: the nickname asked for and, after a drop, what the old connection had and when
 * it was lost.
 * @typedef {{ nickname: string, restore: { room: string | null, ignoring: boolean, droppedAt: number } | null, retries: number }} Login
 */

/** @typedef {import('./chat-session.js').MemberChange} MemberChange */

/**
 * @param {string} announcement
 * @returns {MemberChange | null}
 */
export function memberChange(announcement) {
  let match = /^(\S+) joined$/u.exec(announcement);
  if (match) return { kind: 'joined', nickname: match[1] };
  match = /^(\S+) left$/u.exec(announcement);
  if (match) return { kind: 'left', nickname: match[1] };
  match = /^(\S+) is now (\S+)$/u.exec(announcement);
  if (match) return { kind: 'renamed', from: match[1], to: match[2] };
  return null;
}

/** As the server sorts /ls ("as people read them"): case-folded, compatibility-normalised. */
const readingKey = (/** @type {string} */ nickname) => nickname.normalize('NFKC').toLowerCase();
/** @param {string[]} names */
const sortNames = (names) => names.sort((a, b) => (readingKey(a) < readingKey(b) ? -1 : readingKey(a) > readingKey(b) ? 1 : 0));

/**
 * The online list after a change; applying one twice changes nothing more (it may be re-applied on a
 * /ls answer that was computed before it). A rename of a name not in the list is not applied: it may
 * be an operator's push that reads like one ("maintenance is now over").
 * @param {readonly string[]} users
 * @param {MemberChange} change
 * @returns {string[]}
 */
function applyChange(users, change) {
  switch (change.kind) {
    case 'joined':
      return users.includes(change.nickname) ? [...users] : sortNames([...users, change.nickname]);
    case 'left':
      return users.filter((name) => name !== change.nickname);
    case 'renamed':
      if (!users.includes(change.from)) return [...users];
      return sortNames([...users.filter((name) => name !== change.from && name !== change.to), change.to]);
  }
}

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
  /**
   * Member changes announced while one of our /ls is unanswered: its answer may predate them, so they
   * are applied again on top of it.
   * @type {MemberChange[]}
   */
  #changesSinceAsked = [];
  /** @type {LogEntry[]} what the event being handled adds to the log after itself */
  #afterEvent = [];
  /** Whether the user has been asked for a first nickname. */
  #prompted = false;
  /** Whether the current run of failed attempts has been reported (once until a connection opens). */
  #failureReported = false;
  /** The resume token of the last login (rotated by every login and resume). */
  #resumeToken = /** @type {string | null} */ (null);
  /** A `/resume` sent and not yet answered: what to fall back to if it is refused. */
  #resuming = /** @type {Login | null} */ (null);
  /** Per room, the seqs of events shown: what a resume continues from, and what a replay need not show again. */
  #seen = new SeenSeqs();
  /** @type {unknown} */
  #recycleTimer;
  /** Replacing the connection on purpose: nothing to tell the user. */
  #recycling = false;

  /** @param {ChatSessionOptions} options */
  constructor(options) {
    this.#clock = options.clock ?? systemClock;
    this.#onChange = options.onChange;
    this.#onLog = options.onLog;
    this.#transport = new ReconnectingSocket(options.url, {
      createSocket: options.createSocket,
      clock: this.#clock,
      random: options.random,
      onOpen: () => this.#onOpen(),
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
    this.#prompted = true;
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
  #onOpen() {
    const login = this.#login;
    if (!login) return;
    const room = login.restore?.room ?? null;
    if (this.#resumeToken && login.restore) {
      // Resumed, the server restores the name, room and ignore flag, and replays what we missed.
      this.#resuming = login;
      const seq = room === null ? null : (this.#seen.upTo(room) ?? null);
      this.send(`/resume ${this.#resumeToken}${seq === null ? '' : ` ${seq}`}`);
      return;
    }
    this.send(`/nick ${login.nickname}`);
  }

  /** Counts the 2-hour cap from the first login on a connection. */
  #startRecycleTimer() {
    if (this.#recycleTimer === undefined) this.#recycleTimer = this.#clock.setTimeout(() => this.#recycle(), RECYCLE_AFTER_MS);
  }

  /** Before the 2-hour cap: a new connection now, resumed like after a drop (no one sees a change). */
  #recycle() {
    this.#recycleTimer = undefined;
    if (!this.#transport.isOpen) return;
    this.#forget();
    this.#recycling = true;
    this.#transport.recycle();
  }

  /** @param {SocketStatus} status */
  #onStatus(status) {
    if (status.state === 'waiting' || status.state === 'stopped') {
      this.#onDisconnected(status);
      if (status.state === 'waiting' && status.opened) this.#log({ type: 'connection-lost', code: status.code, delayMs: status.delayMs });
      if (status.state === 'waiting' && !status.opened && !this.#failureReported) {
        // The browser does not say why a handshake failed (refused with 401/403, or nothing there):
        // reported once, the status shows the retries that follow.
        this.#failureReported = true;
        this.#log({ type: 'connect-failed', url: this.url, delayMs: status.delayMs });
      }
      return;
    }
    this.#update({ connection: status });
    if (status.state === 'open') {
      this.#failureReported = false;
      if (status.connects > 1 && !this.#recycling) this.#log({ type: 'reconnected' });
      if (!this.#login && !this.#state.nickname && !this.#prompted) {
        this.#prompted = true;
        this.#log({ type: 'pick-nickname', reason: 'start', nickname: null });
      }
    }
    if (status.state === 'failed') this.#log({ type: 'cannot-connect', url: this.url, reason: status.reason });
  }

  /**
   * Everything the server knew about this connection is gone; remember what to restore.
   * @param {SocketStatus} status
   */
  #onDisconnected(status) {
    this.#forget();
    this.#update({ connection: status });
  }

  /** What this connection had: remembered to get it back on the next (resumed, or logged in again). */
  #forget() {
    const { nickname, room, ignoring } = this.#state;
    if (nickname) this.#login = { nickname, restore: { room, ignoring, droppedAt: this.#clock.now() }, retries: 0 };
    else if (this.#resuming) this.#login = this.#resuming; // dropped again before the resume was answered
    this.#resuming = null;
    this.#cancelRetry(); // the next connection asks at once
    if (this.#refreshTimer !== undefined) this.#clock.clearTimeout(this.#refreshTimer);
    if (this.#recycleTimer !== undefined) this.#clock.clearTimeout(this.#recycleTimer);
    this.#refreshTimer = undefined;
    this.#recycleTimer = undefined;
    this.#quiet = { users: 0, rooms: 0 };
    this.#changesSinceAsked = [];
    this.#update({ nickname: null, wanted: this.#login?.nickname ?? null, room: null, ignoring: false, users: [], userCount: null });
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
    const shown = this.#unseen(event);
    if (shown && this.#handle(shown)) this.#log({ type: 'event', event: shown, me: this.#state.nickname });
    for (const entry of this.#afterEvent.splice(0)) this.#log(entry);
  }

  /**
   * Applies an event to the state.
   * @param {ChatEvent} event
   * @returns {boolean} whether the event belongs in the log
   */
  #handle(event) {
    switch (event.type) {
      case 'login':
        if (typeof event.resume === 'string') this.#resumeToken = event.resume;
        if (this.#resuming) return false; // the resume's login: `resumed` follows, and says it
        this.#onLogin(text(event.nickname));
        return true;
      case 'resumed':
        this.#onResumed(text(event.nickname), text(event.room), event.gap === true);
        return false;
      case 'system':
        // Joins, leaves and renames in our room (announcements are per room): shown in the list at
        // once, and confirmed by a /ls soon.
        if (event.room === this.#state.room) this.#onMemberChange(memberChange(text(event.text)));
        this.#refreshUsersSoon();
        return true;
      case 'users': {
        // Requests run concurrently on the server: an answer from before a room change must not
        // replace the new room's list.
        if (event.room === this.#state.room) {
          const listed = Array.isArray(event.users) ? event.users.map(text) : [];
          let count = typeof event.count === 'number' ? event.count : null;
          // Changes announced since we asked may be missing from the answer; they apply once more.
          const users = this.#changesSinceAsked.reduce(applyChange, listed);
          if (count !== null && count === listed.length) count = users.length; // a complete list: its length
          // Our room's count, without asking /rooms (a crowded room lists only its first names).
          const rooms = count === null ? this.#state.rooms : this.#state.rooms.map((entry) => (entry.room === event.room ? { room: entry.room, count } : entry));
          this.#update({ users, userCount: count, rooms });
        }
        const quiet = this.#takeQuiet('users');
        if (this.#quiet.users === 0) this.#changesSinceAsked = [];
        return !quiet;
      }
      case 'rooms':
        this.#update({ rooms: Array.isArray(event.rooms) ? event.rooms.map(roomEntry) : [] });
        return !this.#takeQuiet('rooms');
      case 'room': {
        // Another room's people: its list starts empty (not the old room's) until /ls answers, the
        // announcements filling it meanwhile.
        const room = text(event.room);
        this.#changesSinceAsked = [];
        this.#update(room === this.#state.room ? { room } : { room, users: [], userCount: null });
        this.#refreshNow(); // a room change was asked for by the user: show the new room's people at once
        return true;
      }
      case 'ignore':
        this.#update({ ignoring: event.ignoring === true });
        return true;
      case 'error':
        if (event.code === 'RESUME_FAILED' && this.#resuming) return this.#onResumeFailed();
        return this.#onError(text(event.code));
      default:
        return true; // history (one event, its `messages` list), message, private, help, whoami, newer ones
    }
  }

  /**
   * The event as it should be shown: null for a room event already shown, a resume's replay without
   * what arrived live (history asked for is shown whole); seqs noted as seen.
   * @param {ChatEvent} event
   * @returns {ChatEvent | null}
   */
  #unseen(event) {
    if ((event.type === 'message' || event.type === 'system') && typeof event.seq === 'number' && typeof event.room === 'string') {
      return this.#seen.note(event.room, event.seq) ? event : null;
    }
    if (event.type === 'history' && Array.isArray(event.messages) && typeof event.room === 'string') {
      const room = event.room;
      const replay = this.#resuming !== null;
      const fresh = event.messages.filter((kept) => {
        const seq = /** @type {{ seq?: unknown }} */ (kept && typeof kept === 'object' ? kept : {}).seq;
        return typeof seq !== 'number' || this.#seen.note(room, seq) || !replay;
      });
      return fresh.length === event.messages.length ? event : { ...event, messages: fresh };
    }
    return event;
  }

  /**
   * @param {string} nickname
   * @param {string} room
   * @param {boolean} gap
   */
  #onResumed(nickname, room, gap) {
    const login = this.#resuming;
    this.#resuming = null;
    this.#login = null;
    this.#cancelRetry();
    this.#update({ nickname, wanted: null, room, ignoring: login?.restore?.ignoring ?? false, users: [], userCount: null });
    this.#seen.caughtUp(room);
    this.#startRecycleTimer();
    if (!this.#recycling || gap) this.#log({ type: 'resumed', nickname, room, gap });
    this.#recycling = false;
    this.#refreshNow();
  }

  /** The server refused the token (expired, or the name was taken meanwhile): log in again by name. */
  #onResumeFailed() {
    const login = this.#resuming;
    this.#resuming = null;
    this.#resumeToken = null;
    if (!login) return true;
    this.#login = login;
    this.send(`/nick ${login.nickname}`);
    return false;
  }

  /** @param {string} nickname */
  #onLogin(nickname) {
    const firstLogin = this.#state.nickname === null;
    const login = this.#login;
    this.#startRecycleTimer();
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
    // Retries only while our old connection may still hold the name (see NICK_RETRY_DELAYS_MS).
    const recent = login.restore !== null && delayMs !== undefined && this.#clock.now() + delayMs - login.restore.droppedAt <= NICK_RETRY_WINDOW_MS;
    if (delayMs === undefined || !recent) {
      this.#login = null; // refused: the user picks another
      this.#update({ wanted: null });
      // After the error itself (the server's words), which the caller logs.
      const reason = code === 'NICKNAME_TAKEN' ? 'taken' : 'invalid';
      this.#afterEvent.push({ type: 'pick-nickname', reason, nickname: login.nickname });
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
  /** @param {MemberChange | null} change */
  #onMemberChange(change) {
    if (!change || !this.#state.nickname) return;
    const { users, userCount } = this.#state;
    const next = applyChange(users, change);
    // The room's count follows the names that came or went; a truncated list (count above its length)
    // may not show a leaver, who still counts.
    let count = userCount;
    if (count !== null) {
      if (change.kind === 'joined') count += next.length - users.length;
      if (change.kind === 'left') count -= users.includes(change.nickname) || count > users.length ? 1 : 0;
      count = Math.max(count, next.length);
    }
    if (this.#quiet.users > 0) this.#changesSinceAsked.push(change);
    const room = this.#state.room;
    const rooms = count === null ? this.#state.rooms : this.#state.rooms.map((entry) => (entry.room === room ? { room: entry.room, count } : entry));
    this.#update({ users: next, userCount: count, rooms });
  }

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
void (/** @satisfies {typeof import('./chat-session.js').NICK_RETRY_WINDOW_MS} */ (NICK_RETRY_WINDOW_MS));
void (/** @satisfies {typeof import('./chat-session.js').RECYCLE_AFTER_MS} */ (RECYCLE_AFTER_MS));
void (/** @satisfies {typeof import('./chat-session.js').memberChange} */ (memberChange));
