// @ts-check
// The browser client: plain text frames out (exactly what a wscat user types), JSON events in. The
// page keeps what it must restore after a reconnect (nickname, room, ignore) and asks for the lists
// it shows (/ls, /rooms) itself, without echoing those answers into the log.
import { ReconnectingSocket } from './reconnecting-socket.js';
import { element, renderEvent, renderNote } from './render.js';

const LOBBY = 'lobby';
const MAX_LOG_LINES = 1000;
/** The sidebar lists are refreshed at most this often: their requests count against the server's rate limit. */
const REFRESH_INTERVAL_MS = 3000;
/** Retries of the nickname after a reconnect, while the old connection may still hold it. */
const NICK_RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 16000, 32000];

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

const state = {
  /** @type {string | null} confirmed by the server's login event */
  nickname: null,
  /** @type {string | null} */
  room: null,
  ignoring: false,
  /** @type {'unknown' | 'yes' | 'no'} whether the server has rooms: it answers /rooms, or sends events with a room */
  rooms: 'unknown',
  /** @type {string | null} typed before the socket was open */
  pendingNickname: null,
  /** @type {{ nickname: string, room: string | null, ignoring: boolean, retries: number } | null} */
  restore: null,
  /** Answers to requests the page sent itself, not to be echoed in the log. */
  quiet: { users: 0, rooms: 0 },
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

// --- the log -------------------------------------------------------------------------------------
/** @param {HTMLElement} row */
function appendToLog(row) {
  const log = ui.log;
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.append(row);
  while (log.childElementCount > MAX_LOG_LINES) log.firstElementChild?.remove();
  if (atBottom) log.scrollTop = log.scrollHeight;
}

// --- sending ---------------------------------------------------------------------------------------
/** @param {string} text */
function send(text) {
  if (socket.send(text)) return true;
  appendToLog(renderNote(`Not connected: "${text}" was not sent.`, 'error'));
  return false;
}

/**
 * A request whose answer only updates the sidebar.
 * @param {'users' | 'rooms'} kind
 */
function sendQuietly(kind) {
  if (socket.send(kind === 'users' ? '/ls' : '/rooms')) state.quiet[kind] += 1;
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let refreshTimer;
let lastRefresh = 0;

/** Asks for the online list and the rooms now. */
function refreshNow() {
  if (!state.nickname) return;
  lastRefresh = Date.now();
  sendQuietly('users');
  if (state.rooms !== 'no') sendQuietly('rooms');
}

/** Asks for the online list again soon, at most once per REFRESH_INTERVAL_MS. */
function refreshUsersSoon() {
  if (refreshTimer !== undefined || !state.nickname) return;
  const wait = Math.max(0, lastRefresh + REFRESH_INTERVAL_MS - Date.now());
  refreshTimer = setTimeout(() => {
    refreshTimer = undefined;
    lastRefresh = Date.now();
    if (state.nickname) sendQuietly('users');
  }, wait);
}

// --- incoming events ----------------------------------------------------------------------------------
/** @param {string} text */
function onFrame(text) {
  /** @type {unknown} */
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    return appendToLog(renderNote(text));
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return appendToLog(renderNote(text));
  const event = /** @type {import('./render.js').ChatEvent} */ (parsed);
  // API Gateway's own frames ({"message": "Internal server error", "connectionId", "requestId"}) have no type.
  if (event.type === undefined && typeof event.message === 'string') {
    return appendToLog(renderNote(`Gateway: ${event.message}`, 'error'));
  }
  if (typeof event.room === 'string') noteRoomsSupported();
  if (handle(event)) appendToLog(renderEvent(event, state.nickname));
}

/**
 * Updates the page's state for an event.
 * @param {import('./render.js').ChatEvent} event
 * @returns {boolean} whether the event belongs in the log
 */
function handle(event) {
  switch (event.type) {
    case 'login':
      onLogin(String(event.nickname));
      return true;
    case 'system':
      // Joins, leaves and renames in our room (announcements are per room).
      refreshUsersSoon();
      return true;
    case 'users': {
      const users = Array.isArray(event.users) ? event.users.map(String) : [];
      const room = typeof event.room === 'string' ? event.room : null;
      if (room !== null && state.room === null) setRoom(room);
      // Requests run concurrently on the server: an answer from before a room change must not
      // replace the new room's list.
      if (room === null || room === state.room) {
        showUsers(users);
        // Our room's count, without asking /rooms (a crowded room lists only its first names).
        if (room !== null) showRoomCount(room, typeof event.count === 'number' ? event.count : users.length);
      }
      return !takeQuiet('users');
    }
    case 'history':
      return true; // rendered as one block with its own heading
    case 'rooms':
      noteRoomsSupported();
      showRooms(Array.isArray(event.rooms) ? event.rooms : []);
      return !takeQuiet('rooms');
    case 'room':
    case 'joined-room':
      if (typeof event.room === 'string') setRoom(event.room);
      refreshNow(); // a room change was asked for by the user: show the new room's people at once
      return true;
    case 'ignore':
      state.ignoring = event.ignoring === true;
      showIgnoring();
      return true;
    case 'error':
      return onError(String(event.code), String(event.message));
    default:
      return true;
  }
}

/** @param {'users' | 'rooms'} kind */
function takeQuiet(kind) {
  if (state.quiet[kind] === 0) return false;
  state.quiet[kind] -= 1;
  return true;
}

/** @param {string} nickname */
function onLogin(nickname) {
  const firstLogin = state.nickname === null;
  state.nickname = nickname;
  ui.me.textContent = nickname;
  ui.nickInput.value = nickname;
  ui.ignoreToggle.disabled = false;
  document.title = `${nickname} · wschat`;
  try {
    localStorage.setItem('wschat.nickname', nickname);
  } catch {
    // storage disabled: the nickname is just not remembered across visits
  }
  const restore = state.restore;
  state.restore = null;
  if (restore) {
    // Back after a drop: rejoin the room and re-apply ignore, both reset on a new connection.
    if (restore.room && restore.room !== LOBBY && state.rooms === 'yes') send(`/join ${restore.room}`);
    if (restore.ignoring) send('/i');
  }
  if (firstLogin) {
    if (state.rooms === 'yes') setRoom(LOBBY); // where every login starts
    refreshNow();
    ui.messageInput.focus();
  }
}

/**
 * @param {string} code
 * @param {string} message
 * @returns {boolean} whether the error belongs in the log
 */
function onError(code, message) {
  // An older server without rooms: hide the room panel instead of complaining about our own /rooms.
  if (code === 'UNKNOWN_COMMAND' && message.includes('"/rooms"') && takeQuiet('rooms')) {
    state.rooms = 'no';
    ui.roomPanel.hidden = true;
    return false;
  }
  const restore = state.restore;
  if (restore && code === 'NICKNAME_TAKEN') {
    // Our previous connection may still hold the name until the server notices it is gone.
    const delay = NICK_RETRY_DELAYS_MS[restore.retries];
    if (delay !== undefined) {
      restore.retries += 1;
      appendToLog(renderNote(`${restore.nickname} is still held by the old connection; trying again in ${delay / 1000} s.`));
      setTimeout(() => {
        if (state.restore === restore) socket.send(`/nick ${restore.nickname}`);
      }, delay);
      return false;
    }
    state.restore = null;
  }
  return true;
}

function noteRoomsSupported() {
  if (state.rooms === 'yes') return;
  state.rooms = 'yes';
  ui.roomPanel.hidden = false;
}

/** @param {string} room */
function setRoom(room) {
  state.room = room;
  ui.currentRoom.textContent = `#${room}`;
  for (const item of ui.roomList.children) {
    if (item instanceof HTMLElement) item.toggleAttribute('aria-current', item.dataset.room === room);
  }
}

// --- the sidebar -----------------------------------------------------------------------------------
/** @param {string[]} users */
function showUsers(users) {
  ui.userCount.textContent = String(users.length);
  ui.userList.replaceChildren(
    ...users.map((nickname) => {
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

/** @param {unknown[]} rooms */
function showRooms(rooms) {
  ui.roomList.replaceChildren(
    ...rooms.map((entry) => {
      const { room, count } = /** @type {{ room?: unknown, count?: unknown }} */ (entry ?? {});
      const name = String(room);
      const item = element('li', 'room');
      item.dataset.room = name;
      if (name === state.room) item.setAttribute('aria-current', 'true');
      const button = element('button', 'link', `#${name}`);
      button.addEventListener('click', () => send(`/join ${name}`));
      item.append(button, element('span', 'count', String(count ?? '')));
      return item;
    }),
  );
}

/**
 * @param {string} room
 * @param {number} count
 */
function showRoomCount(room, count) {
  for (const item of ui.roomList.children) {
    if (item instanceof HTMLElement && item.dataset.room === room) {
      const counter = item.querySelector('.count');
      if (counter) counter.textContent = String(count);
    }
  }
}

function showIgnoring() {
  ui.ignoreToggle.setAttribute('aria-pressed', String(state.ignoring));
  ui.ignoreToggle.textContent = state.ignoring ? 'Ignoring broadcasts' : 'Ignore broadcasts';
}

/** @param {string} nickname */
function startPrivateMessage(nickname) {
  ui.messageInput.value = `@${nickname} `;
  ui.messageInput.focus();
}

// --- the connection ------------------------------------------------------------------------------------
const socket = new ReconnectingSocket(chatSocketUrl(), {
  onOpen() {
    if (state.restore) send(`/nick ${state.restore.nickname}`);
    else if (state.pendingNickname) send(`/nick ${state.pendingNickname}`);
    state.pendingNickname = null;
  },
  onMessage: onFrame,
  onStatus(status) {
    ui.status.dataset.state = status.state;
    ui.retry.hidden = status.state !== 'waiting';
    if (status.state === 'connecting') ui.status.textContent = 'connecting…';
    if (status.state === 'open') {
      ui.status.textContent = 'connected';
      ui.status.dataset.connects = String(status.connects);
      if (status.connects > 1) appendToLog(renderNote('Reconnected.'));
    }
    if (status.state === 'failed') {
      ui.status.textContent = 'cannot connect';
      appendToLog(renderNote(`Cannot connect to ${socket.url}: ${status.reason}`, 'error'));
    }
    if (status.state === 'waiting') {
      onDisconnected();
      ui.status.textContent = `offline, reconnecting in ${(status.delayMs / 1000).toFixed(1)} s`;
      appendToLog(renderNote(`Connection lost (${status.code}); reconnecting in ${(status.delayMs / 1000).toFixed(1)} s.`));
    }
  },
});

/** Everything the server knew about this connection is gone; remember what to restore. */
function onDisconnected() {
  if (state.nickname) state.restore = { nickname: state.nickname, room: state.room, ignoring: state.ignoring, retries: 0 };
  state.nickname = null;
  state.room = null;
  state.ignoring = false;
  state.quiet = { users: 0, rooms: 0 };
  clearTimeout(refreshTimer);
  refreshTimer = undefined;
  showIgnoring();
  ui.ignoreToggle.disabled = true;
  ui.userList.replaceChildren();
  ui.userCount.textContent = '';
}

// --- the forms -------------------------------------------------------------------------------------
ui.nickForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const nickname = ui.nickInput.value.trim();
  if (!nickname) return;
  state.restore = null; // the user's choice replaces the one being restored
  if (socket.isOpen) send(`/nick ${nickname}`);
  else {
    state.pendingNickname = nickname;
    appendToLog(renderNote(`Not connected yet; will log in as ${nickname} once connected.`));
  }
});

ui.messageForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = ui.messageInput.value;
  if (!text.trim()) return;
  if (send(text)) ui.messageInput.value = '';
});

ui.ignoreToggle.addEventListener('click', () => send('/i'));
ui.joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const room = ui.joinInput.value.trim();
  if (room && send(`/join ${room}`)) ui.joinInput.value = '';
});
ui.leaveButton.addEventListener('click', () => send('/leave'));
ui.historyButton.addEventListener('click', () => send('/history'));
ui.roomsButton.addEventListener('click', () => sendQuietly('rooms'));
ui.retry.addEventListener('click', () => socket.reconnectNow());
window.addEventListener('online', () => socket.reconnectNow());

try {
  ui.nickInput.value = localStorage.getItem('wschat.nickname') ?? '';
} catch {
  // storage disabled
}
ui.status.title = socket.url;
showIgnoring();
socket.start();
