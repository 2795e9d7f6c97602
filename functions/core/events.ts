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
  'INTERNAL_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ChatError {
  code: ErrorCode;
  message: string;
}

/** A room and how many are in it, as `/rooms` lists them. */
export interface RoomCount {
  room: string;
  count: number;
}

export type ServerEvent =
  | { type: 'login'; at: string; nickname: string }
  | { type: 'system'; at: string; room?: string; text: string }
  | { type: 'message'; at: string; room: string; from: string; text: string }
  | { type: 'private'; at: string; from: string; to: string; text: string }
  | { type: 'users'; at: string; room: string; users: string[]; count: number }
  | { type: 'room'; at: string; room: string }
  | { type: 'rooms'; at: string; rooms: RoomCount[]; count: number }
  | { type: 'history'; at: string; room: string; from: string; text: string }
  | { type: 'help'; at: string; text: string }
  | { type: 'ignore'; at: string; ignoring: boolean }
  | { type: 'whoami'; at: string; nickname: string | null; connectionId: string }
  | { type: 'error'; at: string; code: ErrorCode; message: string };

export type ServerEventType = ServerEvent['type'];

/** ISO-8601 UTC, millisecond precision. */
export function timestamp(now: Date = new Date()): string {
  return now.toISOString();
}

export function chatError(code: ErrorCode, message: string): ChatError {
  return { code, message };
}

export function errorEvent(error: ChatError, at = timestamp()): ServerEvent {
  return { type: 'error', at, code: error.code, message: error.message };
}

export const HELP_TEXT = [
  'Commands:',
  '  /nick NAME     log in as NAME, or rename yourself',
  '  /ls, /who      who is in your room',
  '  /join ROOM     move to ROOM (created on first join); everyone starts in lobby',
  '  /leave         back to lobby',
  '  /rooms         rooms and how many are in each',
  '  /history [N]   the last N messages of your room (default 20, at most 50)',
  '  /whoami        your nickname and connection id',
  '  /i             toggle ignore: stop broadcasts to and from you (private messages still work)',
  '  /help          this text',
  '  @NAME TEXT     private message to NAME',
  '  anything else  a message to everyone in your room',
  'Nicknames and room names: 1-24 letters, digits, _ - . ; nicknames are unique regardless of case.',
].join('\n');
