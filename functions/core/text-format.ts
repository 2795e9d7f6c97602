// The human-readable form of every server event, for `?format=text` connections (wscat and other
// terminals): one line per event, several real lines for /help, /ls, /rooms and history, in the style
// of the telnet chats this descends from: `[12:29:36] alice: hi bob`. Pure: no I/O, no clock.
import { HELP_TEXT, type RoomEvent, type ServerEvent } from './events.ts';

/** How a connection wants its events: JSON objects (the default) or text lines. */
export type EventFormat = 'json' | 'text';
export const EVENT_FORMATS: readonly EventFormat[] = ['json', 'text'];

export function isEventFormat(value: unknown): value is EventFormat {
  return value === 'json' || value === 'text';
}

// A line break, carriage return or other control character in someone's text would let them print
// a line that looks like it came from the server or from someone else; bidirectional overrides
// would let them reorder what a terminal shows. Shown as escapes, never as what they do.
const UNSAFE = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const visible = (text: string): string =>
  text.replace(UNSAFE, (char) => `\\u{${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}}`);

/** `[HH:MM:SS]` of an ISO-8601 UTC time (the server has no time zone of the reader's). */
function clock(at: string): string {
  const time = /T(\d\d:\d\d:\d\d)/u.exec(at)?.[1];
  return `[${time ?? '--:--:--'}]`;
}

export function formatText(event: ServerEvent): string {
  const at = clock(event.at);
  switch (event.type) {
    case 'message':
      return `${at} ${visible(event.from)}: ${visible(event.text)}`;
    case 'private':
      return `${at} (private) ${visible(event.from)} → ${visible(event.to)}: ${visible(event.text)}`;
    case 'system':
      return `${at} * ${visible(event.text)}`;
    case 'login':
      return `${at} * you are ${visible(event.nickname)}`;
    case 'room':
      return `${at} * you are in #${event.room}`;
    case 'users': {
      const more = event.count > event.users.length ? `, and ${event.count - event.users.length} more` : '';
      return `${at} * ${event.count} in #${event.room}: ${event.users.map(visible).join(', ')}${more}`;
    }
    case 'rooms':
      return [`${at} * ${event.count} ${event.count === 1 ? 'room' : 'rooms'} with anyone in them:`, ...event.rooms.map((r) => `  #${r.room} (${r.count})`)].join('\n');
    case 'history':
      if (event.messages.length === 0) return `${at} * no history in #${event.room}`;
      return [`${at} * earlier in #${event.room}:`, ...event.messages.map((m) => roomLine(m))].join('\n');
    case 'help':
      return event.text === HELP_TEXT ? HELP_TEXT : visible(event.text);
    case 'ignore':
      return `${at} * ${event.ignoring ? 'ignoring broadcasts (private messages still reach you); /i to stop' : 'no longer ignoring broadcasts'}`;
    case 'whoami':
      return `${at} * you are ${event.nickname === null ? 'not logged in' : visible(event.nickname)} (connection ${event.connectionId})`;
    case 'ack':
      return `${at} * sent (${visible(event.id)}, #${event.seq})`;
    case 'resumed':
      return `${at} * welcome back, ${visible(event.nickname)}: you are in #${event.room}${event.replayed > 0 ? `; ${event.replayed} missed shown above` : ''}${event.gap ? '; some of what was said meanwhile is no longer kept' : ''}`;
    case 'error':
      return `${at} ! ${event.code}: ${visible(event.message)}`;
  }
}

/** A kept room event as history lists it: the message line, or the notice. */
function roomLine(event: RoomEvent): string {
  return event.type === 'message' ? `${clock(event.at)} ${visible(event.from)}: ${visible(event.text)}` : `${clock(event.at)} * ${visible(event.text)}`;
}

/** The bytes of `event` as a connection of `format` receives it. */
export function encodeEvent(event: ServerEvent, format: EventFormat): Uint8Array {
  return Buffer.from(format === 'text' ? formatText(event) : JSON.stringify(event));
}
