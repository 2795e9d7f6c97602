// @ts-check
// The browser client's page: DOM wiring only. What the client does (connecting, logging in, retrying,
// reconnecting and restoring, which frames to send) is chat-session.js; this file renders its state
// and log, and turns forms and buttons into its calls.
import { ChatSession } from './chat-session.js';
import { element, renderEvent, renderNote } from './render.js';
import { forgetToken, rememberToken, takeToken } from './sign-in.js';

/** @typedef {import('./chat-session.js').SessionState} SessionState */
/** @typedef {import('./chat-session.js').LogEntry} LogEntry */

const MAX_LOG_LINES = 1000;

/** @param {string} id */
function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node;
}
const ui = {
  status: byId('status'),
  retry: /** @type {HTMLButtonElement} */ (byId('retry')),
  nickForm: /** @type {HTMLFormElement} */ (byId('nick-form')),
  nickInput: /** @type {HTMLInputElement} */ (byId('nick-input')),
  me: byId('me'),
  log: byId('log'),
  messageForm: /** @type {HTMLFormElement} */ (byId('message-form')),
  messageInput: /** @type {HTMLInputElement} */ (byId('message-input')),
  ignoreToggle: /** @type {HTMLButtonElement} */ (byId('ignore-toggle')),
  userCount: byId('user-count'),
  userList: byId('user-list'),
  roomPanel: byId('room-panel'),
  currentRoom: byId('current-room'),
  roomList: byId('room-list'),
  joinForm: /** @type {HTMLFormElement} */ (byId('join-form')),
  joinInput: /** @type {HTMLInputElement} */ (byId('join-input')),
  leaveButton: /** @type {HTMLButtonElement} */ (byId('leave-button')),
  historyButton: /** @type {HTMLButtonElement} */ (byId('history-button')),
  roomsButton: /** @type {HTMLButtonElement} */ (byId('rooms-button')),
  mePending: byId('me-pending'),
  side: byId('side'),
  peopleToggle: /** @type {HTMLButtonElement} */ (byId('people-toggle')),
  peopleCount: byId('people-count'),
  signInForm: /** @type {HTMLFormElement} */ (byId('sign-in-form')),
  tokenInput: /** @type {HTMLInputElement} */ (byId('token-input')),
  signedIn: byId('signed-in'),
  signOut: /** @type {HTMLButtonElement} */ (byId('sign-out')),
};

const pageQuery = new URLSearchParams(location.search);
/** The sign-in token (the Sign-in field, or `?token=` on the page): passed on to `$connect` as `?token=`. */
const token = takeToken(location, history);

/** The WebSocket URL: `?ws=` wins (a static deployment pointing at wss://…), else this page's host. */
function chatServerUrl() {
  const override = pageQuery.get('ws');
  if (override && /^wss?:\/\//i.test(override)) return override;
  if (location.protocol === 'http:' || location.protocol === 'https:') {
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
  }
  return 'ws://127.0.0.1:3001/'; // opened from a file: npm start's default
}

/**
 * The server's URL with the page's token, if any. A URL the browser cannot parse is left as it is:
 * opening it fails, and says so.
 * @param {string} url
 */
function withToken(url) {
  if (token === null) return url;
  try {
    const parsed = new URL(url);
    parsed.searchParams.set('token', token);
    return parsed.href;
  } catch {
    return url;
  }
}

/**
 * A URL as shown on the page: the token is a secret, not for tooltips or screenshots.
 * @param {string} url
 */
function shownUrl(url) {
  try {
    const parsed = new URL(url);
    if (!parsed.searchParams.has('token')) return url;
    parsed.searchParams.set('token', '***');
    return parsed.href;
  } catch {
    return url;
  }
}

/** @param {number} ms */
const seconds = (ms) => (ms / 1000).toFixed(1);

// --- the log -------------------------------------------------------------------------------------
/** @param {HTMLElement} row */
function appendToLog(row) {
  const log = ui.log;
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.append(row);
  while (log.childElementCount > MAX_LOG_LINES) log.firstElementChild?.remove();
  if (atBottom) log.scrollTop = log.scrollHeight;
}

/**
 * @param {LogEntry} entry
 * @returns {HTMLElement}
 */
function renderLogEntry(entry) {
  switch (entry.type) {
    case 'event':
      return renderEvent(entry.event, entry.me);
    case 'text':
      return renderNote(entry.text);
    case 'gateway-error':
      return renderNote(`Gateway: ${entry.message}`, 'error');
    case 'not-sent':
      return renderNote(`Not connected: "${entry.text}" was not sent.`, 'error');
    case 'login-pending':
      return renderNote(`Not connected yet; will log in as ${entry.nickname} once connected.`);
    case 'nick-retry':
      return renderNote(`${entry.nickname} is still in use, maybe by this page's previous connection; trying again in ${entry.delayMs / 1000} s.`);
    case 'pick-nickname':
      return renderPrompt(entry);
    case 'connection-lost':
      return renderNote(`Connection lost (${entry.code}); reconnecting in ${seconds(entry.delayMs)} s.`);
    case 'connect-failed': {
      // The browser is not told the handshake's status (401/403 or otherwise), so the note says what it may be.
      const tokenNote =
        token === null
          ? ' If this chat requires sign-in, use the Sign-in field above.'
          : ' This page signed in with a token: the server may have refused it (wrong or expired); sign out and sign in with a fresh one.';
      return renderNote(`Could not connect to ${shownUrl(entry.url)} (refused or unreachable).${tokenNote} Retrying in ${seconds(entry.delayMs)} s, then less and less often.`, 'error');
    }
    case 'reconnected':
      return renderNote('Reconnected.');
    case 'resumed':
      return entry.gap
        ? renderNote(`Back as ${entry.nickname} in #${entry.room}. Some of what was said while you were away is no longer kept.`, 'error')
        : renderNote(`Back as ${entry.nickname} in #${entry.room}; anything said meanwhile is shown above.`);
    case 'cannot-connect':
      return renderNote(`Cannot connect to ${shownUrl(entry.url)}: ${entry.reason}`, 'error');
  }
}

/**
 * Asks for a nickname: a line in the log, and the nickname field focused (its text selected, to type over).
 * @param {Extract<LogEntry, { type: 'pick-nickname' }>} entry
 */
function renderPrompt(entry) {
  const text =
    entry.reason === 'start'
      ? 'Pick a nickname to start chatting: type it in the Nickname field above.'
      : entry.reason === 'taken'
        ? `The nickname ${entry.nickname ?? ''} is taken by someone else: pick another one.`
        : `The server refused the nickname ${entry.nickname ?? ''}: pick another one.`;
  const row = renderNote(text, 'prompt');
  row.dataset.reason = entry.reason;
  return row;
}

/**
 * Draws the eye to the nickname field, ready to type into: a refused name selected, to type over;
 * the first prompt takes the focus only if nothing has it (it must not disturb typing).
 * @param {Extract<LogEntry, { type: 'pick-nickname' }>} entry
 */
function askForNickname(entry) {
  ui.nickForm.dataset.prompt = 'true';
  if (entry.reason !== 'start') {
    ui.nickInput.focus();
    ui.nickInput.select();
  } else if (document.activeElement === document.body || document.activeElement === null) {
    ui.nickInput.focus();
  }
}

// --- the state -------------------------------------------------------------------------------------
/**
 * @param {SessionState} state
 * @param {ReadonlySet<keyof SessionState>} changed
 */
function render(state, changed) {
  if (changed.has('connection')) showConnection(state.connection);
  if (changed.has('nickname')) {
    ui.ignoreToggle.disabled = state.nickname === null;
    if (state.nickname !== null) showLogin(state.nickname);
  }
  if (changed.has('nickname') || changed.has('wanted')) showIdentity(state);
  if (changed.has('ignoring')) showIgnoring(state.ignoring);
  // Offline (no room), the panel keeps showing the last one until the next login.
  const roomChanged = changed.has('room') && state.room !== null;
  if (roomChanged) ui.currentRoom.textContent = `#${state.room}`;
  if (roomChanged || changed.has('rooms')) showRooms(state);
  if (changed.has('users') || changed.has('userCount')) showUsers(state);
}

/** @param {SessionState['connection']} status */
function showConnection(status) {
  ui.status.dataset.state = status.state;
  ui.retry.hidden = status.state !== 'waiting';
  if (status.state === 'connecting') ui.status.textContent = 'connecting…';
  if (status.state === 'open') {
    ui.status.textContent = 'connected';
    ui.status.dataset.connects = String(status.connects);
  }
  if (status.state === 'failed') ui.status.textContent = 'cannot connect';
  if (status.state === 'waiting') ui.status.textContent = `offline, reconnecting in ${seconds(status.delayMs)} s`;
  if (status.state === 'stopped') ui.status.textContent = 'offline';
}

/**
 * The header names only a nickname the server has confirmed on this connection; one being logged in
 * as (asked for, or being restored after a drop) shows as pending.
 * @param {SessionState} state
 */
function showIdentity(state) {
  ui.me.textContent = state.nickname ?? '—';
  const pending = state.wanted !== null && state.wanted !== state.nickname;
  ui.mePending.hidden = !pending;
  ui.mePending.textContent = pending ? `(logging in as ${state.wanted}…)` : '';
  if (state.nickname === null) document.title = 'wschat';
}

/**
 * Logged in, or renamed.
 * @param {string} nickname
 */
function showLogin(nickname) {
  delete ui.nickForm.dataset.prompt;
  ui.nickInput.value = nickname;
  ui.roomPanel.hidden = false;
  document.title = `${nickname} · wschat`;
  try {
    localStorage.setItem('wschat.nickname', nickname);
  } catch {
    // storage disabled: the nickname is just not remembered across visits
  }
}

/** @param {boolean} ignoring */
function showIgnoring(ignoring) {
  ui.ignoreToggle.setAttribute('aria-pressed', String(ignoring));
  ui.ignoreToggle.textContent = ignoring ? 'Ignoring broadcasts' : 'Ignore broadcasts';
}

/** @param {SessionState} state */
function showUsers(state) {
  const count = state.userCount === null ? '' : String(state.userCount);
  ui.userCount.textContent = count;
  ui.peopleCount.textContent = count;
  ui.userList.replaceChildren(
    ...state.users.map((nickname) => {
      const item = element('li', nickname === state.nickname ? 'user user--me' : 'user');
      item.dataset.nickname = nickname;
      const button = element('button', 'link', nickname);
      button.title = `Private message to ${nickname}`;
      item.append(button);
      // The whole row is the target (the button's click, from a key too, bubbles up to it).
      item.addEventListener('click', () => startPrivateMessage(nickname));
      return item;
    }),
  );
}

/** @param {SessionState} state */
function showRooms(state) {
  ui.roomList.replaceChildren(
    ...state.rooms.map(({ room, count }) => {
      const item = element('li', 'room');
      item.dataset.room = room;
      if (room === state.room) item.setAttribute('aria-current', 'true');
      const button = element('button', 'link', `#${room}`);
      item.append(button, element('span', 'count', String(count)));
      item.addEventListener('click', () => session.join(room)); // the whole row, as for people
      return item;
    }),
  );
}

/** @param {string} nickname */
function startPrivateMessage(nickname) {
  ui.messageInput.value = `@${nickname} `;
  if (narrowScreen.matches) showPeople(false); // on a phone the panel covers the messages
  ui.messageInput.focus();
}

// --- the people panel: beside the messages on a wide screen, over them (closed at first) on a phone ---
const narrowScreen = matchMedia('(max-width: 40rem)');

/** @param {boolean} open */
function showPeople(open) {
  ui.side.hidden = !open;
  document.body.dataset.people = open ? 'open' : 'closed';
  ui.peopleToggle.setAttribute('aria-expanded', String(open));
}

// --- the session ------------------------------------------------------------------------------------
const session = new ChatSession({
  url: withToken(chatServerUrl()),
  onChange(state, changed) {
    const loggedIn = changed.has('nickname') && state.nickname !== null;
    const firstLogin = loggedIn && changed.has('room'); // a rename keeps the room
    render(state, changed);
    if (firstLogin) ui.messageInput.focus();
  },
  onLog(entry) {
    appendToLog(renderLogEntry(entry));
    if (entry.type === 'pick-nickname') askForNickname(entry);
    if (entry.type === 'connect-failed') ui.signInForm.hidden = false; // the refusal may be for want of a sign-in
  },
});

// --- the forms -------------------------------------------------------------------------------------
ui.nickForm.addEventListener('submit', (event) => {
  event.preventDefault();
  session.login(ui.nickInput.value);
});

ui.messageForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = ui.messageInput.value;
  if (!text.trim()) return;
  if (session.send(text)) ui.messageInput.value = '';
});

ui.ignoreToggle.addEventListener('click', () => session.toggleIgnore());
ui.joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (session.join(ui.joinInput.value)) ui.joinInput.value = '';
});
ui.leaveButton.addEventListener('click', () => session.leave());
ui.historyButton.addEventListener('click', () => session.history());
ui.roomsButton.addEventListener('click', () => session.refreshRooms());
ui.retry.addEventListener('click', () => session.reconnectNow());
// Signing in or out starts over with the new token: a reload, as the socket URL carries it.
ui.signInForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const value = ui.tokenInput.value.trim();
  if (!value) return;
  rememberToken(value);
  location.reload();
});
ui.signOut.addEventListener('click', () => {
  forgetToken();
  location.reload();
});
ui.peopleToggle.addEventListener('click', () => showPeople(ui.side.hidden));
narrowScreen.addEventListener('change', () => showPeople(!narrowScreen.matches));
window.addEventListener('online', () => session.reconnectNow());

try {
  ui.nickInput.value = localStorage.getItem('wschat.nickname') ?? '';
} catch {
  // storage disabled
}
ui.status.title = shownUrl(session.url);
showIgnoring(false);
showPeople(!narrowScreen.matches);
// A public chat never shows the Sign-in field; it appears once signed in, or once a handshake fails.
ui.signInForm.hidden = token === null;
ui.tokenInput.hidden = token !== null;
ui.signInForm.querySelector('button[type="submit"]')?.toggleAttribute('hidden', token !== null);
ui.signedIn.hidden = ui.signOut.hidden = token === null;
ui.nickInput.focus(); // before anything else, a nickname (the session's prompt follows once connected)
session.start();
