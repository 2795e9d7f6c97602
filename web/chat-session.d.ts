// The types of chat-session.js, for TypeScript importers (the Node tests; the root tsconfig reads no
// JS). The module itself is plain JS typed with JSDoc; its last line makes `tsc -p web/tsconfig.json`
// check that it matches these declarations.
import type { Clock, CreateSocket, SocketStatus } from './reconnecting-socket.js';

export type { Clock, CreateSocket, SocketLike, SocketStatus } from './reconnecting-socket.js';

/** A server event as received: a JSON object, untrusted (README, "Server → client events"). */
export type ChatEvent = Record<string, unknown> & { type?: unknown; at?: unknown };

export interface RoomEntry {
  readonly room: string;
  readonly count: number;
}

/** Everything the page shows about the session, replaced (never mutated) on each change. */
export interface SessionState {
  /** The transport's latest status; `stopped` before `start()` and after `stop()`. */
  readonly connection: SocketStatus;
  /** Confirmed by the server's `login` event; null while not logged in on this connection. */
  readonly nickname: string | null;
  /** The nickname being logged in as: asked for (and not yet answered), or being restored after a drop. */
  readonly wanted: string | null;
  readonly room: string | null;
  readonly ignoring: boolean;
  /**
   * Our room's online list (its first names, as `/ls` answers), updated at once by the `joined`,
   * `left` and `is now` announcements, and replaced by each `/ls` answer.
   */
  readonly users: readonly string[];
  /** Everyone in our room, which may exceed `users`; null before the first answer. */
  readonly userCount: number | null;
  /** The last `/rooms` answer, our room's count kept current by `/ls` answers. */
  readonly rooms: readonly RoomEntry[];
}

/** What belongs in the log, in order: server events, and the session's own notes. */
export type LogEntry =
  /** A server event; `me` is our nickname once the event is applied (highlights our own lines). */
  | { type: 'event'; event: ChatEvent; me: string | null }
  /** A frame that is not a JSON object. */
  | { type: 'text'; text: string }
  /** API Gateway's own frame (`{"message": "Internal server error", …}`, no `type`). */
  | { type: 'gateway-error'; message: string }
  | { type: 'not-sent'; text: string }
  /** A nickname asked for before the socket was open: sent once it is. */
  | { type: 'login-pending'; nickname: string }
  /** After a drop, the old connection may still hold the nickname: asking again in `delayMs`. */
  | { type: 'nick-retry'; nickname: string; delayMs: number }
  /**
   * The user should pick a nickname: none yet (`start`, once, when first connected), or the one asked
   * for (`nickname`) was refused as `taken` (also after the retries of a restore gave up) or `invalid`.
   * Follows the server's error event.
   */
  | { type: 'pick-nickname'; reason: 'start' | 'taken' | 'invalid'; nickname: string | null }
  /** An open connection was lost. */
  | { type: 'connection-lost'; code: number; delayMs: number }
  /**
   * A connection could not be opened: refused (e.g. 401/403 for a missing or wrong token) or nothing
   * there; browsers do not say which. Once per run of failed attempts (until one opens).
   */
  | { type: 'connect-failed'; url: string; delayMs: number }
  | { type: 'reconnected' }
  /** Back on a new connection as the same user, in `room`; `gap`: some of what was said meanwhile is no longer kept. */
  | { type: 'resumed'; nickname: string; room: string; gap: boolean }
  | { type: 'cannot-connect'; url: string; reason: string };

/**
 * A change of our room's members, from a `system` announcement (functions/core/rules.ts
 * `announcements`): `X joined`, `X left`, `X is now Y`. Nicknames have no spaces, so an operator's
 * push ("maintenance is now over") is not taken for one.
 */
export type MemberChange = { kind: 'joined' | 'left'; nickname: string } | { kind: 'renamed'; from: string; to: string };

export interface ChatSessionOptions {
  url: string;
  /** Default: the browser's `WebSocket`. */
  createSocket?: CreateSocket;
  /** Default: the wall clock and the global timers. */
  clock?: Clock;
  /** Default: `Math.random` (the backoff's jitter). */
  random?: () => number;
  /** After every change of the state, with the names of the fields that changed. */
  onChange?: (state: SessionState, changed: ReadonlySet<keyof SessionState>) => void;
  onLog?: (entry: LogEntry) => void;
}

export declare const LOBBY: 'lobby';
/** The sidebar lists are refreshed at most this often: their requests count against the server's rate limit. */
export declare const REFRESH_INTERVAL_MS: number;
/**
 * Retries of the nickname after a reconnect, while the old connection may still hold it (the server
 * cannot tell it from someone else who took the name): 3 tries over 5 s.
 */
export declare const NICK_RETRY_DELAYS_MS: readonly number[];
/** No retry is sent later than this after the drop: past it, a taken name is someone else's. */
export declare const NICK_RETRY_WINDOW_MS: number;
/** How long a connection is used before the session replaces it (API Gateway's cap is 2 hours). */
export declare const RECYCLE_AFTER_MS: number;
/** The member change a `system` announcement's text tells of, or null (an operator's push). */
export declare function memberChange(announcement: string): MemberChange | null;

export declare class ChatSession {
  constructor(options: ChatSessionOptions);
  readonly url: string;
  readonly state: SessionState;
  /** Connects (again, after `stop()`: restoring what the connection had). */
  start(): void;
  /** Closes the connection and stops reconnecting. */
  stop(): void;
  /** Skips the backoff's wait. */
  reconnectNow(): void;
  /**
   * The user's nickname: sent now, or once connected. Replaces a nickname being restored (and the
   * restoring of room and ignore with it). False for a blank one.
   */
  login(nickname: string): boolean;
  /** Text as typed (a message, a command); false, with a `not-sent` log entry, when not connected. */
  send(text: string): boolean;
  join(room: string): boolean;
  leave(): boolean;
  history(): boolean;
  toggleIgnore(): boolean;
  /** Asks for the room list; the answer updates `state.rooms` without a log entry. */
  refreshRooms(): void;
}
