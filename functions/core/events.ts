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
  'INTERNAL_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ChatError {
  code: ErrorCode;
  message: string;
}

export type ServerEvent =
  | { type: 'login'; at: string; nickname: string }
  | { type: 'system'; at: string; text: string }
  | { type: 'message'; at: string; from: string; text: string }
  | { type: 'private'; at: string; from: string; to: string; text: string }
  | { type: 'users'; at: string; users: string[]; count: number }
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
  '  /ls            who is online',
  '  /whoami        your nickname and connection id',
  '  /i             toggle ignore: stop broadcasts to and from you (private messages still work)',
  '  /help          this text',
  '  @NAME TEXT     private message to NAME',
  '  anything else  a message to everyone',
  'Nicknames: 1-24 letters, digits, _ - . ; unique regardless of case.',
].join('\n');
