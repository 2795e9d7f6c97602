// @ts-check
// One log line per server event. Every string from the server is untrusted: it only ever reaches the
// page through textContent, never as HTML.

/** @typedef {import('./chat-session.js').ChatEvent} ChatEvent */

/**
 * @param {string} tag
 * @param {string} className
 * @param {string} [text]
 */
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {unknown} value */
const str = (value) => (typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value));

/**
 * A line of the log: time, then parts (strings become plain text spans; nodes are appended as is).
 * @param {string} kind
 * @param {unknown} at
 * @param {Array<string | Node>} parts
 */
export function line(kind, at, parts) {
  const row = element('div', `line line--${kind}`);
  row.dataset.type = kind;
  const date = typeof at === 'string' ? new Date(at) : new Date();
  const time = element('time', 'time', Number.isNaN(date.getTime()) ? '' : date.toLocaleTimeString([], { hour12: false }));
  if (typeof at === 'string') time.setAttribute('datetime', at);
  row.append(time);
  for (const part of parts) row.append(typeof part === 'string' ? element('span', 'text', part) : part);
  return row;
}

/**
 * @param {string} nickname
 * @param {string | null} me
 */
function who(nickname, me) {
  return element('span', nickname === me ? 'nick nick--me' : 'nick', nickname);
}

/**
 * The log line for an event; `me` (our nickname) highlights our own lines.
 * @param {ChatEvent} event
 * @param {string | null} me
 * @returns {HTMLElement}
 */
export function renderEvent(event, me) {
  const { at } = event;
  switch (event.type) {
    case 'login':
      return line('login', at, [`You are ${str(event.nickname)}`]);
    case 'system':
      return line('system', at, [str(event.text)]);
    case 'message': {
      const row = line('message', at, [who(str(event.from), me), str(event.text)]);
      if (event.from === me) row.classList.add('line--mine');
      return row;
    }
    case 'history':
      return renderHistoryBlock(event, me);
    case 'private':
      return line('private', at, [
        element('span', 'badge', 'private'),
        who(str(event.from), me),
        element('span', 'arrow', '→'),
        who(str(event.to), me),
        str(event.text),
      ]);
    case 'users': {
      const users = Array.isArray(event.users) ? event.users.map(str) : [];
      const count = Number(event.count);
      const more = count > users.length ? `, and ${count - users.length} more` : '';
      return line('users', at, [`Online in #${str(event.room)} (${str(event.count)}): ${users.join(', ')}${more}`]);
    }
    case 'rooms': {
      const rooms = Array.isArray(event.rooms) ? event.rooms : [];
      const list = rooms.map((entry) => `#${str(entry?.room)} (${str(entry?.count)})`).join(', ');
      return line('rooms', at, [`Rooms: ${list || 'none'}`]);
    }
    case 'room':
      return line('room', at, [`You are in #${str(event.room)}`]);
    case 'help':
      return line('help', at, [element('pre', 'text', str(event.text))]);
    case 'ignore':
      return line('ignore', at, [event.ignoring ? 'Ignoring broadcasts: you neither get nor send them (private messages still work)' : 'No longer ignoring broadcasts']);
    case 'whoami': {
      const row = line('whoami', at, [`You are ${event.nickname === null ? 'not logged in' : str(event.nickname)}, connection ${str(event.connectionId)}`]);
      row.dataset.connectionId = str(event.connectionId);
      return row;
    }
    case 'ack':
      return line('ack', at, [`Sent (#${str(event.seq)})`]);
    case 'error': {
      const row = line('error', at, [element('span', 'code', str(event.code)), str(event.message)]);
      row.setAttribute('role', 'alert');
      return row;
    }
    default:
      // An event this page does not know (a newer server): shown, not dropped, and never breaking the page.
      return line('unknown', at, [JSON.stringify(event)]);
  }
}

/**
 * `{"type":"history","room","messages":[{type,seq,at,room,from?,text}]}`: one block, oldest first;
 * a kept notice (`type: "system"`, no `from`) reads as one.
 * @param {ChatEvent} event
 * @param {string | null} me
 */
function renderHistoryBlock(event, me) {
  const messages = Array.isArray(event.messages) ? event.messages : [];
  const block = element('div', 'history');
  block.dataset.type = 'history-block';
  block.append(line('history-head', event.at, [`History of #${str(event.room)}: ${messages.length} event${messages.length === 1 ? '' : 's'}`]));
  for (const item of messages) {
    const message = /** @type {Record<string, unknown>} */ (item && typeof item === 'object' ? item : {});
    block.append(
      message.type === 'system' ? line('history', message.at, [str(message.text)]) : line('history', message.at, [who(str(message.from), me), str(message.text)]),
    );
  }
  return block;
}

/**
 * A note from the page itself (connection state, a message that could not be sent, a question to the user).
 * @param {string} text
 * @param {'note' | 'error' | 'prompt'} [kind]
 */
export function renderNote(text, kind = 'note') {
  const row = line(kind === 'error' ? 'client-error' : kind, undefined, [text]);
  if (kind !== 'note') row.setAttribute('role', 'alert');
  return row;
}
