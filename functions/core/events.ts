// The server → client contract: one JSON object per frame, each with `type` and `at`.
// Clients and tests depend on these shapes; change them only with the protocol table in the README.

export const ERROR_CODES = [
  'NOT_LOGGED_IN',
  'NICKNAME_TAKEN',
  'INVALID_NICKNAME',
  'NO_SUCH_USER',
  'IGNORING',
  'UNKNOWN_COMMAND',
  'EMPTY_MESSAGE',
  'BAD_REQUEST',
  'TOO_LARGE',
  'RATE_LIMITED',
  'INVALID_ROOM',
  'RESUME_FAILED',
  'INTERNAL_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ChatError {
  code: ErrorCode;
  message: string;
}

/**
 * API Gateway delivers at most 128 KB in one message to a client (quota "message payload size");
 * a larger post is refused with 413 and the client gets nothing. Every event must fit.
 */
export const MAX_EVENT_BYTES = 128 * 1024;

/** `/ls` lists at most this many names (100 KB at 24 four-byte characters each), with the total beside them. */
export const USERS_LISTED = 1000;
/** `/rooms` lists at most this many rooms (the lobby and the busiest), with the total beside them. */
export const ROOMS_LISTED = 50;

/**
 * An event a room sees and keeps: its messages and its system notices (joins, leaves, renames, pushes).
 * `seq` numbers them per room, 1, 2, 3, … with no number skipped, so a client can see a gap; history
 * lists them as they were sent.
 */
export type RoomEvent =
  | { type: 'message'; seq: number; at: string; room: string; from: string; text: string }
  | { type: 'system'; seq: number; at: string; room: string; text: string };

/** `E` without its `seq`, each member of a union on its own (Omit alone would merge them). */
type WithoutSeq<E> = E extends unknown ? Omit<E, 'seq'> : never;
/** A room event before the store numbered it. */
export type UnnumberedRoomEvent = WithoutSeq<RoomEvent>;

/** One kept room event, as a `history` event lists it. */
export type HistoryMessage = RoomEvent;

/** `/resume` replays at most this many events (the newest); older ones missing are a gap. */
export const REPLAY_MAX = 1000;

/** A room and how many are in it, as `/rooms` lists them. */
export interface RoomCount {
  room: string;
  count: number;
}

export type ServerEvent =
  /** `resume`: the token that gets this nickname back on a new connection (`/resume TOKEN SEQ`). */
  | { type: 'login'; at: string; nickname: string; resume: string }
  | RoomEvent
  | { type: 'private'; at: string; from: string; to: string; text: string }
  /** At most USERS_LISTED names, sorted; `count` is everyone in the room. */
  | { type: 'users'; at: string; room: string; users: string[]; count: number }
  | { type: 'room'; at: string; room: string }
  | { type: 'rooms'; at: string; rooms: RoomCount[]; count: number }
  /** A room's kept messages, oldest first, in as few events as fit the message size limit. */
  | { type: 'history'; at: string; room: string; messages: HistoryMessage[] }
  | { type: 'help'; at: string; text: string }
  | { type: 'ignore'; at: string; ignoring: boolean }
  | { type: 'whoami'; at: string; nickname: string | null; connectionId: string }
  /** A message sent with a client `id` is stored as room event `seq`. */
  | { type: 'ack'; at: string; id: string; seq: number }
  /** After `/resume`: the replay (history events) has been sent; `gap` when it could not reach back far enough. */
  | { type: 'resumed'; at: string; nickname: string; room: string; replayed: number; gap: boolean }
  /** `id`: the client id of the frame that failed, when it had one. */
  | { type: 'error'; at: string; code: ErrorCode; message: string; id?: string };

export type ServerEventType = ServerEvent['type'];

/** ISO-8601 UTC, millisecond precision. */
export function timestamp(now: Date = new Date()): string {
  return now.toISOString();
}

export function chatError(code: ErrorCode, message: string): ChatError {
  return { code, message };
}

export function errorEvent(error: ChatError, at = timestamp(), id?: string | null): ServerEvent {
  return { type: 'error', at, code: error.code, message: error.message, ...(id ? { id } : {}) };
}

/**
 * A room's messages as `history` events of at most `maxBytes` each as `size` measures them (default:
 * JSON in UTF-8), oldest first: as few as fit, since each is a billed message and a post of its own.
 */
export function historyEvents(
  room: string,
  messages: readonly HistoryMessage[],
  at: string,
  size: (event: ServerEvent) => number = (event) => Buffer.byteLength(JSON.stringify(event)),
  maxBytes = MAX_EVENT_BYTES,
): ServerEvent[] {
  const batchOf = (batch: HistoryMessage[]): ServerEvent => ({ type: 'history', at, room, messages: batch });
  const envelope = size(batchOf([]));
  const events: ServerEvent[] = [];
  let batch: HistoryMessage[] = [];
  let total = envelope;
  for (const message of messages) {
    // A message's share: the event with it alone, less the empty event (and one separator).
    const bytes = size(batchOf([message])) - envelope + 1;
    if (batch.length > 0 && total + bytes > maxBytes) {
      events.push(batchOf(batch));
      batch = [];
      total = envelope;
    }
    batch.push(message);
    total += bytes;
  }
  if (batch.length > 0) events.push(batchOf(batch));
  return events;
}

export const HELP_TEXT = [
  'Commands:',
  '  /nick NAME     log in as NAME, or rename yourself',
  `  /ls, /who      who is in your room (the first ${USERS_LISTED} names, and how many)`,
  '  /join ROOM     move to ROOM (created on first join); everyone starts in lobby',
  '  /leave         back to lobby',
  `  /rooms         the lobby and the ${ROOMS_LISTED - 1} busiest rooms, how many are in each, and how many rooms`,
  '  /history [N]   the last N messages of your room (default 20, at most 50)',
  '  /whoami        your nickname and connection id',
  '  /resume T [S]  on a new connection: your nickname back from token T (from your login), and what',
  '                 your room said after seq S',
  '  /i             toggle ignore: stop broadcasts to and from you (private messages still work)',
  '  /help          this text',
  '  @NAME TEXT     private message to NAME',
  '  //TEXT         a message that starts with "/": //shrug says /shrug',
  '  anything else  a message to everyone in your room',
  'Nicknames and room names: 1-24 letters, digits, _ - . ; nicknames are unique regardless of case.',
].join('\n');
