// How `npm run chat` shows server events: the lines formatText renders (the same as `?format=text`),
// coloured for a terminal. Pure: no I/O, so colour and parsing are tested without a terminal.
import { ERROR_CODES, type ErrorCode, type RoomEvent, type ServerEvent } from '../../functions/core/events.ts';
import { formatText } from '../../functions/core/text-format.ts';
import { isJsonObject, parseJson } from '../../functions/json-values.ts';

const ESC = '\u001b[';
const RESET = `${ESC}0m`;
const RED = `${ESC}31m`;
const DIM = `${ESC}2m`;
const BOLD = `${ESC}1m`;
// Red is for errors, so names never get it; bright variants double the palette.
const NICK_COLOURS = [32, 33, 34, 35, 36, 92, 93, 94, 95, 96].map((code) => `${ESC}${code}m`);

/** Colour only on a terminal, and never when NO_COLOR is set to anything (https://no-color.org). */
export function colourWanted(isTTY: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean {
  return isTTY === true && !env.NO_COLOR;
}

/** One colour per name, the same every time, so a reader follows a speaker by colour. */
export function nickColour(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return NICK_COLOURS[hash % NICK_COLOURS.length] ?? BOLD;
}

const CLOCK_WIDTH = '[00:00:00] '.length;
const LOGIN_PREFIX = formatText({ type: 'login', at: '', nickname: '', resume: '' });

/** A name as formatText prints it (escapes included): taken from formatText itself, so the two never differ. */
function shown(name: string): string {
  return formatText({ type: 'login', at: '', nickname: name, resume: '' }).slice(LOGIN_PREFIX.length);
}

const paint = (colour: string, text: string): string => `${colour}${text}${RESET}`;
const nick = (name: string): string => paint(nickColour(name), shown(name));

/** `[clock] NAME: text` with NAME coloured (a message line, or one line of history). */
function messageLine(line: string, from: string): string {
  const name = shown(from);
  return `${line.slice(0, CLOCK_WIDTH)}${nick(from)}${line.slice(CLOCK_WIDTH + name.length)}`;
}

/** The lines a person reads for `event`; with `colour`, ANSI-coloured (names, errors red, the rest of the server's talk dim). */
export function renderEvent(event: ServerEvent, colour: boolean): string[] {
  const lines = formatText(event).split('\n');
  if (!colour) return lines;
  switch (event.type) {
    case 'message':
      return lines.map((line) => messageLine(line, event.from));
    case 'private': {
      const [line = ''] = lines;
      const head = `${line.slice(0, CLOCK_WIDTH)}(private) ${shown(event.from)} → ${shown(event.to)}`;
      return [`${line.slice(0, CLOCK_WIDTH)}${paint(DIM, '(private)')} ${nick(event.from)} → ${nick(event.to)}${line.slice(head.length)}`];
    }
    case 'history': {
      const [header = '', ...rest] = lines;
      return [
        paint(DIM, header),
        ...rest.map((line, i) => {
          const kept = event.messages[i];
          return kept?.type === 'message' ? messageLine(line, kept.from) : paint(DIM, line);
        }),
      ];
    }
    case 'error':
      return lines.map((line) => paint(RED, line));
    case 'help':
      return lines;
    default:
      return lines.map((line) => paint(DIM, line));
  }
}

/** A line of this client's own (connection state, hints): dim like the server's, red when it is a failure. */
export function renderNote(text: string, colour: boolean, failure = false): string {
  return colour ? paint(failure ? RED : DIM, text) : text;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);
const isErrorCode = (value: unknown): value is ErrorCode => ERROR_CODES.some((code) => code === value);

/** A frame as a server event, when it is one this client knows; otherwise undefined (shown as it came). */
export function parseServerEvent(frame: string): ServerEvent | undefined {
  const value = parseJson(frame);
  return isServerEvent(value) ? value : undefined;
}

function isServerEvent(value: unknown): value is ServerEvent {
  if (!isJsonObject(value) || !isString(value.at)) return false;
  const v = value;
  switch (v.type) {
    case 'login':
      return isString(v.nickname) && isString(v.resume);
    case 'system':
    case 'message':
      return isRoomEvent(v);
    case 'private':
      return isString(v.from) && isString(v.to) && isString(v.text);
    case 'users':
      return isString(v.room) && isStrings(v.users) && typeof v.count === 'number';
    case 'room':
      return isString(v.room);
    case 'rooms':
      return Array.isArray(v.rooms) && v.rooms.every((r) => isJsonObject(r) && isString(r.room) && typeof r.count === 'number') && typeof v.count === 'number';
    case 'history':
      return isString(v.room) && Array.isArray(v.messages) && v.messages.every(isRoomEvent);
    case 'help':
      return isString(v.text);
    case 'ignore':
      return typeof v.ignoring === 'boolean';
    case 'whoami':
      return (v.nickname === null || isString(v.nickname)) && isString(v.connectionId);
    case 'ack':
      return isString(v.id) && isSeq(v.seq);
    case 'resumed':
      return isString(v.nickname) && isString(v.room) && typeof v.replayed === 'number' && typeof v.gap === 'boolean';
    case 'error':
      return isErrorCode(v.code) && isString(v.message) && (v.id === undefined || isString(v.id));
    default:
      return false;
  }
}

const isSeq = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

function isRoomEvent(value: unknown): value is RoomEvent {
  if (!isJsonObject(value) || !isString(value.at) || !isString(value.room) || !isString(value.text) || !isSeq(value.seq)) return false;
  return value.type === 'system' || (value.type === 'message' && isString(value.from));
}
