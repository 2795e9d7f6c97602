// Incoming frame → chat command. Pure: no I/O, no clock.
// A JSON frame (`{"action":"message","text":"…"}`) carries the chat text in `text`; any other frame,
// as typed in wscat, is chat text as a whole.
import { isJsonObject } from '../json-values.ts';
import { chatError, type ChatError } from './events.ts';
import { parseNickname } from './nickname.ts';
import { RESUME_TOKEN_SHAPE } from './resume-token.ts';
import { parseRoomName } from './room.ts';

export const MAX_TEXT_LENGTH = 4096;
/** With the `u` flag, only an unpaired surrogate is a code point of category Cs. */
const LONE_SURROGATE = /\p{Cs}/u;
/** `/history` without N returns this many messages; rooms keep at most HISTORY_MAX. */
export const HISTORY_DEFAULT = 20;
export const HISTORY_MAX = 50;

export type ChatCommand =
  | { kind: 'nick'; nickname: string; key: string }
  | { kind: 'list' }
  | { kind: 'join'; room: string }
  | { kind: 'leave' }
  | { kind: 'rooms' }
  | { kind: 'history'; limit: number }
  | { kind: 'help' }
  | { kind: 'ignore' }
  | { kind: 'whoami' }
  /** `afterSeq`: the last room event the client saw; null = none given (the usual recent history instead). */
  | { kind: 'resume'; token: string; afterSeq: number | null }
  | { kind: 'private'; to: string; toKey: string; text: string }
  | { kind: 'broadcast'; text: string };

export type CommandKind = ChatCommand['kind'];

export type ParseResult = { ok: true; command: ChatCommand } | { ok: false; error: ChatError };

/** A parsed frame, with the client's `id` for its ack (null when it sent none, or it was unreadable). */
export type FrameResult = ParseResult & { clientId: string | null };

/** A client id (`{"id":"c-42"}`): short, plain ASCII, so it can be a key part and echoed safely. */
const CLIENT_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_SEQ_DIGITS = 15;

type FrameText = { ok: true; text: string; clientId: string | null } | { ok: false; error: ChatError; clientId: string | null };

/** Extracts the chat text from a frame body: the `text` of a JSON object frame, else the body itself. */
export function frameText(body: string): FrameText {
  if (!body.trimStart().startsWith('{')) return { ok: true, text: body, clientId: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, error: chatError('BAD_REQUEST', 'The frame starts with "{" but is not valid JSON.'), clientId: null };
  }
  if (!isJsonObject(parsed)) {
    return { ok: false, error: chatError('BAD_REQUEST', 'A JSON frame must be an object.'), clientId: null };
  }
  // Own properties only: `{"__proto__":…}` parses to an own key, and nothing inherited is a field.
  const object = parsed;
  const field = (name: string): unknown => (Object.hasOwn(object, name) ? object[name] : undefined);
  const id = field('id');
  if (id !== undefined && (typeof id !== 'string' || !CLIENT_ID.test(id))) {
    return { ok: false, error: chatError('BAD_REQUEST', 'A frame "id" is 1-64 characters: letters, digits, _ . : -'), clientId: null };
  }
  const clientId = id ?? null;
  const text = field('text');
  if (typeof text !== 'string') {
    return { ok: false, error: chatError('BAD_REQUEST', 'A JSON frame needs a string "text" field, e.g. {"action":"message","text":"hi"}.'), clientId };
  }
  return { ok: true, text, clientId };
}

/** Parses chat text into a command, or the error to send back. */
export function parseChatText(raw: string): ParseResult {
  if (raw.length > MAX_TEXT_LENGTH && [...raw].length > MAX_TEXT_LENGTH) {
    return fail('TOO_LARGE', `A message has at most ${MAX_TEXT_LENGTH} characters.`);
  }
  // Only a JSON escape ("\ud800") can carry half a surrogate pair: it is not text, and relayed it would
  // break strict JSON parsers of every recipient.
  if (LONE_SURROGATE.test(raw)) return fail('BAD_REQUEST', 'The text is not valid Unicode (it has a lone surrogate).');
  const text = raw.trim();
  if (text === '') return fail('EMPTY_MESSAGE', 'The message is empty.');

  // `//` escapes a message that starts with `/` (`//shrug` says "/shrug").
  if (text.startsWith('//')) return { ok: true, command: { kind: 'broadcast', text: text.slice(1) } };
  if (text.startsWith('/')) return parseCommand(text);
  if (text.startsWith('@')) return parsePrivate(text);
  return { ok: true, command: { kind: 'broadcast', text } };
}

/** The whole path from a frame body to a command, with the client id its reply carries. */
export function parseFrame(body: string): FrameResult {
  const extracted = frameText(body);
  return extracted.ok ? { ...parseChatText(extracted.text), clientId: extracted.clientId } : extracted;
}

function parseCommand(text: string): ParseResult {
  const [word = '', ...rest] = text.slice(1).split(/\s+/u);
  const argument = rest.join(' ');
  switch (word.toLowerCase()) {
    case 'nick': {
      if (argument === '') return fail('INVALID_NICKNAME', 'Usage: /nick NAME');
      const name = parseNickname(argument);
      return name.ok ? { ok: true, command: { kind: 'nick', nickname: name.nickname, key: name.key } } : name;
    }
    case 'ls':
    case 'who':
      return { ok: true, command: { kind: 'list' } };
    case 'join': {
      if (argument === '') return fail('INVALID_ROOM', 'Usage: /join ROOM');
      const room = parseRoomName(argument);
      return room.ok ? { ok: true, command: { kind: 'join', room: room.room } } : room;
    }
    case 'leave':
      return { ok: true, command: { kind: 'leave' } };
    case 'rooms':
      return { ok: true, command: { kind: 'rooms' } };
    case 'history': {
      if (argument === '') return { ok: true, command: { kind: 'history', limit: HISTORY_DEFAULT } };
      const limit = /^\d{1,3}$/u.test(argument) ? Number(argument) : 0;
      if (limit < 1 || limit > HISTORY_MAX) return fail('BAD_REQUEST', `Usage: /history [N], N from 1 to ${HISTORY_MAX}`);
      return { ok: true, command: { kind: 'history', limit } };
    }
    case 'help':
      return { ok: true, command: { kind: 'help' } };
    case 'i':
      return { ok: true, command: { kind: 'ignore' } };
    case 'whoami':
      return { ok: true, command: { kind: 'whoami' } };
    case 'resume': {
      const [token = '', seq, extra] = rest;
      const usage = 'Usage: /resume TOKEN [SEQ], with the token of your last login event and the last seq you saw';
      if (!RESUME_TOKEN_SHAPE.test(token) || extra !== undefined) return fail('RESUME_FAILED', usage);
      if (seq === undefined) return { ok: true, command: { kind: 'resume', token, afterSeq: null } };
      if (!/^\d+$/u.test(seq) || seq.length > MAX_SEQ_DIGITS) return fail('RESUME_FAILED', usage);
      return { ok: true, command: { kind: 'resume', token, afterSeq: Number(seq) } };
    }
    default:
      return fail('UNKNOWN_COMMAND', `Unknown command "/${truncate(word)}". Type /help for the list.`);
  }
}

function parsePrivate(text: string): ParseResult {
  const match = /^@(\S*)\s*([\s\S]*)$/u.exec(text);
  const name = match?.[1] ?? '';
  const body = (match?.[2] ?? '').trim();
  if (name === '') return fail('NO_SUCH_USER', 'A private message needs a nickname: @NAME TEXT');
  const target = parseNickname(name);
  if (!target.ok) return fail('NO_SUCH_USER', `No user named "${truncate(name)}" is online.`);
  if (body === '') return fail('EMPTY_MESSAGE', `The private message to ${target.nickname} is empty.`);
  return { ok: true, command: { kind: 'private', to: target.nickname, toKey: target.key, text: body } };
}

function fail(code: ChatError['code'], message: string): ParseResult {
  return { ok: false, error: chatError(code, message) };
}

/** Echoing user input back in an error is helpful; echoing 4 KB of it is not. */
function truncate(value: string, max = 32): string {
  const chars = [...value];
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : value;
}
