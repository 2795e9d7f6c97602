// @ts-check
// The browser client's page: DOM wiring only. What the client does (connecting, logging in, retrying,
// reconnecting and restoring, which frames to send) is chat-session.js; this file renders its state
// and log, and turns forms and buttons into its calls.
import { ChatSession } from './chat-session.js';
import { element, renderEvent, renderNote } from './render.js';

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
};

/** The WebSocket URL: `?ws=` wins (a static deployment pointing at wss://…), else this page's host. */
function chatSocketUrl() {
  const override = new URLSearchParams(location.search).get('ws');
  if (override && /^wss?:\/\//i.test(override)) return override;
  if (location.protocol === 'http:' || location.protocol === 'https:') {
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
  }
  return 'ws://127.0.0.1:3001/'; // opened from a file: npm start's default
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
      return renderNote(`${entry.nickname} is still held by the old connection; trying again in ${entry.delayMs / 1000} s.`);
    case 'connection-lost':
      return renderNote(`Connection lost (${entry.code}); reconnecting in ${seconds(entry.delayMs)} s.`);
    case 'reconnected':
      return renderNote('Reconnected.');
    case 'cannot-connect':
      return renderNote(`Cannot connect to ${entry.url}: ${entry.reason}`, 'error');
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
 * Logged in, or renamed.
 * @param {string} nickname
 */
function showLogin(nickname) {
  ui.me.textContent = nickname;
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
  ui.userCount.textContent = state.userCount === null ? '' : String(state.userCount);
  ui.userList.replaceChildren(
    ...state.users.map((nickname) => {
      const item = element('li', nickname === state.nickname ? 'user user--me' : 'user');
      item.dataset.nickname = nickname;
      const button = element('button', 'link', nickname);
      button.title = `Private message to ${nickname}`;
      button.addEventListener('click', () => startPrivateMessage(nickname));
      item.append(button);
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
      button.addEventListener('click', () => session.join(room));
      item.append(button, element('span', 'count', String(count)));
      return item;
    }),
  );
}

/** @param {string} nickname */
function startPrivateMessage(nickname) {
  ui.messageInput.value = `@${nickname} `;
  ui.messageInput.focus();
}

// --- the session ------------------------------------------------------------------------------------
const session = new ChatSession({
  url: chatSocketUrl(),
  onChange(state, changed) {
    const loggedIn = changed.has('nickname') && state.nickname !== null;
    const firstLogin = loggedIn && changed.has('room'); // a rename keeps the room
    render(state, changed);
    if (firstLogin) ui.messageInput.focus();
  },
  onLog(entry) {
    appendToLog(renderLogEntry(entry));
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
window.addEventListener('online', () => session.reconnectNow());

try {
  ui.nickInput.value = localStorage.getItem('wschat.nickname') ?? '';
} catch {
  // storage disabled
}
ui.status.title = session.url;
showIgnoring(false);
session.start();
