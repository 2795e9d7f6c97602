// The browser client's state machine (web/chat-session.js) in Node, without a browser: login, a taken
// name, the retries while an old connection holds the name, reconnecting with backoff and restoring
// nickname, room and ignore. First against a fake socket (it stands for the browser's WebSocket) and a
// fake clock, frame by frame; then with the `ws` package as the socket, against the real local chat.
// Time only passes when a test advances the fake clock; waits are for the session's own reports.
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ChatSession,
  memberChange,
  NICK_RETRY_DELAYS_MS,
  NICK_RETRY_WINDOW_MS,
  RECYCLE_AFTER_MS,
  REFRESH_INTERVAL_MS,
  type ChatSessionOptions,
  type Clock,
  type LogEntry,
  type SessionState,
  type SocketLike,
} from '../web/chat-session.js';
import { useLocalChat } from './support/chat.ts';

/** Only the bound for reporting a hang, never a way to let something happen. */
const WAIT_MS = 10_000;
const AT = '2026-11-23T12:00:00.000Z';

/** Timers that fire only when the test advances the time, in order of their due time. */
class FakeClock implements Clock {
  private time = 1_000_000;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): number {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** How long from now each pending timer is due, soonest first. */
  pending(): number[] {
    return [...this.timers.values()].map((timer) => timer.at - this.time).sort((a, b) => a - b);
  }

  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, timer]) => timer.at <= until).sort(([, a], [, b]) => a.at - b.at)[0];
      if (!due) break;
      const [id, timer] = due;
      this.timers.delete(id);
      this.time = timer.at;
      timer.callback();
    }
    this.time = until;
  }
}

/** Every listener gets both fields: the session reads `data` of a message and `code` of a close. */
type Listener = (event: { data: unknown; code: number }) => void;

/** The browser's WebSocket as the session sees it; the test plays the server. */
class FakeSocket implements SocketLike {
  readyState = 0;
  readonly sent: string[] = [];
  private readonly listeners = new Map<string, Listener[]>();

  constructor(readonly url: string) {}

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  send(text: string): void {
    if (this.readyState !== 1) throw new Error('InvalidStateError: not open');
    this.sent.push(text);
  }

  close(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit('close', { code: 1005 });
  }

  open(): void {
    this.readyState = 1;
    this.emit('open');
  }

  /** A frame from the server: an event object, or raw text. */
  receive(frame: object | string): void {
    this.emit('message', { data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  /** The connection is lost (or the handshake refused: error, then close). */
  drop(code = 1006): void {
    this.readyState = 3;
    this.emit('error');
    this.emit('close', { code });
  }

  private emit(type: string, { data = undefined as unknown, code = 0 } = {}): void {
    for (const listener of this.listeners.get(type) ?? []) listener({ data, code });
  }
}

/** Records what the session reports, and waits for a report. */
class Reports {
  readonly log: LogEntry[] = [];
  private cursor = 0;
  private waiters: Array<() => void> = [];
  session: ChatSession | undefined;

  readonly callbacks: Pick<ChatSessionOptions, 'onChange' | 'onLog'> = {
    onChange: () => this.wake(),
    onLog: (entry) => {
      this.log.push(entry);
      this.wake();
    },
  };

  /** The server events that reached the log, by type. */
  events(type?: string): Array<Extract<LogEntry, { type: 'event' }>['event']> {
    return this.log.flatMap((entry) => (entry.type === 'event' && (type === undefined || entry.event.type === type) ? [entry.event] : []));
  }

  /** The next log entry, from the last one taken on, that matches. */
  nextLog<T extends LogEntry>(match: (entry: LogEntry) => entry is T, what: string): Promise<T> {
    return this.until(() => {
      const index = this.log.findIndex((entry, at) => at >= this.cursor && match(entry));
      if (index < 0) return undefined;
      this.cursor = index + 1;
      return this.log[index] as T;
    }, what);
  }

  /** The session's state once it matches. */
  state(match: (state: SessionState) => boolean, what: string): Promise<SessionState> {
    return this.until(() => {
      const state = this.session?.state;
      return state && match(state) ? state : undefined;
    }, what);
  }

  private async until<T>(find: () => T | undefined, what: string): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; state ${JSON.stringify(this.session?.state)}, log ${JSON.stringify(this.log)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}

const isType =
  <T extends LogEntry['type']>(type: T) =>
  (entry: LogEntry): entry is Extract<LogEntry, { type: T }> =>
    entry.type === type;
const isEvent =
  (type: string) =>
  (entry: LogEntry): entry is Extract<LogEntry, { type: 'event' }> =>
    entry.type === 'event' && entry.event.type === type;

/** A session on fake sockets and a fake clock; `random: () => 1` makes each backoff delay its ceiling. */
function fakeSession(random: () => number = () => 1) {
  const clock = new FakeClock();
  const sockets: FakeSocket[] = [];
  const reports = new Reports();
  const session = new ChatSession({
    url: 'ws://chat.test/',
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    clock,
    random,
    ...reports.callbacks,
  });
  reports.session = session;
  const socket = () => {
    const last = sockets.at(-1);
    if (!last) throw new Error('no socket was opened');
    return last;
  };
  /** What the session sent on the current socket since the last call. */
  let seen = new WeakMap<FakeSocket, number>();
  const sentSinceLast = () => {
    const current = socket();
    const from = seen.get(current) ?? 0;
    seen.set(current, current.sent.length);
    return current.sent.slice(from);
  };
  /** Connects and logs in as `nickname`, answering the session's own /ls and /rooms. */
  const loggedIn = (nickname: string) => {
    session.start();
    socket().open();
    session.login(nickname);
    expect(sentSinceLast()).toEqual([`/nick ${nickname}`]);
    socket().receive({ type: 'login', at: AT, nickname });
    expect(sentSinceLast()).toEqual(['/ls', '/rooms']);
    socket().receive({ type: 'users', at: AT, room: 'lobby', users: [nickname], count: 1 });
    socket().receive({ type: 'rooms', at: AT, rooms: [{ room: 'lobby', count: 1 }], count: 1 });
  };
  const reset = () => {
    seen = new WeakMap();
  };
  return { clock, sockets, socket, reports, session, sentSinceLast, loggedIn, reset };
}

describe('the chat session, on a fake socket and a fake clock', () => {
  it('logs in once connected, starts in the lobby, and keeps its own list requests out of the log', () => {
    const { session, socket, sockets, reports, sentSinceLast } = fakeSession();
    expect(session.state.connection).toEqual({ state: 'stopped' });
    expect(session.login('  alice ')).toBe(true);
    expect(reports.log).toEqual([{ type: 'login-pending', nickname: 'alice' }]);
    expect(session.state).toMatchObject({ nickname: null, wanted: 'alice' });

    session.start();
    expect(sockets.map((s) => s.url)).toEqual(['ws://chat.test/']);
    expect(session.state.connection).toEqual({ state: 'connecting' });
    socket().open();
    expect(session.state.connection).toEqual({ state: 'open', connects: 1 });
    expect(sentSinceLast()).toEqual(['/nick alice']);

    socket().receive({ type: 'login', at: AT, nickname: 'alice' });
    expect(session.state).toMatchObject({ nickname: 'alice', wanted: null, room: 'lobby', ignoring: false });
    expect(sentSinceLast()).toEqual(['/ls', '/rooms']);
    socket().receive({ type: 'users', at: AT, room: 'lobby', users: ['alice', 'bob'], count: 1200 });
    socket().receive({ type: 'rooms', at: AT, rooms: [{ room: 'lobby', count: 1200 }, { room: 'games', count: 3 }], count: 2 });
    expect(session.state).toMatchObject({
      users: ['alice', 'bob'],
      userCount: 1200, // the room's count, not the length of its (truncated) list
      rooms: [
        { room: 'lobby', count: 1200 },
        { room: 'games', count: 3 },
      ],
    });
    expect(reports.log.map((entry) => (entry.type === 'event' ? entry.event.type : entry.type))).toEqual(['login-pending', 'login']);
    expect(reports.log[1]).toMatchObject({ type: 'event', me: 'alice' });

    // The same answers, asked for by the user, are logged.
    expect(session.send('/ls')).toBe(true);
    socket().receive({ type: 'users', at: AT, room: 'lobby', users: ['alice', 'bob'], count: 2 });
    expect(reports.events('users')).toHaveLength(1);
    expect(session.state.userCount).toBe(2);
  });

  it('shows a taken name as an error and does not retry it', () => {
    const { session, socket, clock, reports, sentSinceLast } = fakeSession();
    session.start();
    socket().open();
    session.login('bob');
    expect(sentSinceLast()).toEqual(['/nick bob']);
    socket().receive({ type: 'error', at: AT, code: 'NICKNAME_TAKEN', message: 'The nickname "bob" is taken.' });
    expect(reports.events('error')).toMatchObject([{ code: 'NICKNAME_TAKEN' }]);
    expect(session.state).toMatchObject({ nickname: null, wanted: null });
    expect(clock.pending()).toEqual([]);
    clock.advance(60_000);
    expect(sentSinceLast()).toEqual([]);
    // An invalid one alike; then another name works.
    session.login('b b');
    socket().receive({ type: 'error', at: AT, code: 'INVALID_NICKNAME', message: 'no spaces' });
    expect(session.state.wanted).toBeNull();
    expect(session.login('   ')).toBe(false);
    session.login('bobby');
    socket().receive({ type: 'login', at: AT, nickname: 'bobby' });
    expect(session.state.nickname).toBe('bobby');
  });

  it('asks for a nickname once, when first connected without one', () => {
    const { session, socket, clock, reports } = fakeSession();
    session.start();
    expect(reports.log).toEqual([]);
    socket().open();
    expect(reports.log).toEqual([{ type: 'pick-nickname', reason: 'start', nickname: null }]);
    socket().drop();
    clock.advance(500);
    socket().open();
    expect(reports.log.filter(isType('pick-nickname'))).toHaveLength(1);
    // Not when a nickname was given before the connection opened.
    const other = fakeSession();
    other.session.login('alice');
    other.session.start();
    other.socket().open();
    expect(other.reports.log.filter(isType('pick-nickname'))).toEqual([]);
  });

  it('asks for another nickname after the server refuses one as taken or invalid', () => {
    const { session, socket, reports } = fakeSession();
    session.start();
    socket().open();
    session.login('bob');
    socket().receive({ type: 'error', at: AT, code: 'NICKNAME_TAKEN', message: 'The nickname "bob" is taken.' });
    expect(reports.log.slice(-2)).toMatchObject([{ type: 'event', event: { code: 'NICKNAME_TAKEN' } }, { type: 'pick-nickname', reason: 'taken', nickname: 'bob' }]);
    session.login('b b');
    socket().receive({ type: 'error', at: AT, code: 'INVALID_NICKNAME', message: 'no spaces' });
    expect(reports.log.at(-1)).toEqual({ type: 'pick-nickname', reason: 'invalid', nickname: 'b b' });
    // Other errors are just errors.
    socket().receive({ type: 'error', at: AT, code: 'NOT_LOGGED_IN', message: 'log in first' });
    expect(reports.log.at(-1)).toMatchObject({ type: 'event', event: { code: 'NOT_LOGGED_IN' } });
  });

  it('reports a connection that never opened (refused or unreachable) once per run of failures', () => {
    const { session, socket, clock, reports } = fakeSession();
    session.start();
    socket().drop(1006); // a refused handshake: error, then close, never open
    expect(session.state.connection).toMatchObject({ state: 'waiting', opened: false, code: 1006 });
    expect(reports.log).toEqual([{ type: 'connect-failed', url: 'ws://chat.test/', delayMs: 500 }]);
    clock.advance(500);
    socket().drop(1006);
    expect(reports.log).toHaveLength(1); // the status shows the retries
    clock.advance(1000);
    socket().open();
    reports.log.splice(0);
    // A connection that had opened is "lost", not "could not connect"; the next failure is reported again.
    socket().drop(1006);
    expect(session.state.connection).toMatchObject({ state: 'waiting', opened: true });
    expect(reports.log).toEqual([{ type: 'connection-lost', code: 1006, delayMs: 2000 }]);
    clock.advance(2000);
    socket().drop(1006);
    expect(reports.log.at(-1)).toEqual({ type: 'connect-failed', url: 'ws://chat.test/', delayMs: 4000 });
  });

  it('reconnects with backoff after a drop and restores nickname, room and ignore', () => {
    const { session, socket, sockets, clock, reports, sentSinceLast, loggedIn } = fakeSession();
    loggedIn('bob');
    expect(session.join(' games ')).toBe(true);
    expect(sentSinceLast()).toEqual(['/join games']);
    socket().receive({ type: 'room', at: AT, room: 'games' });
    expect(sentSinceLast()).toEqual(['/ls', '/rooms']); // the new room's people at once
    session.toggleIgnore();
    expect(sentSinceLast()).toEqual(['/i']);
    socket().receive({ type: 'ignore', at: AT, ignoring: true });
    expect(session.state).toMatchObject({ nickname: 'bob', room: 'games', ignoring: true });

    socket().drop(1006);
    expect(session.state).toMatchObject({
      connection: { state: 'waiting', delayMs: 500, attempt: 1, code: 1006 },
      nickname: null,
      wanted: 'bob',
      room: null,
      ignoring: false,
      users: [],
      userCount: null,
    });
    expect(reports.log.at(-1)).toEqual({ type: 'connection-lost', code: 1006, delayMs: 500 });
    expect(session.send('hello?')).toBe(false);
    expect(reports.log.at(-1)).toEqual({ type: 'not-sent', text: 'hello?' });

    clock.advance(499);
    expect(sockets).toHaveLength(1);
    clock.advance(1);
    expect(sockets).toHaveLength(2);
    socket().open();
    expect(reports.log.at(-1)).toEqual({ type: 'reconnected' });
    expect(session.state.connection).toEqual({ state: 'open', connects: 2 });
    expect(sentSinceLast()).toEqual(['/nick bob']);
    socket().receive({ type: 'login', at: AT, nickname: 'bob' });
    // Back in the lobby (where every login starts): rejoin, re-apply ignore, then fetch the lists.
    expect(sentSinceLast()).toEqual(['/join games', '/i', '/ls', '/rooms']);
    socket().receive({ type: 'room', at: AT, room: 'games' });
    socket().receive({ type: 'ignore', at: AT, ignoring: true });
    expect(session.state).toMatchObject({ nickname: 'bob', wanted: null, room: 'games', ignoring: true });
  });

  it('after a drop, resumes with its token and the last seq of its room, and shows a replayed event once', () => {
    const { session, socket, clock, reports, sentSinceLast, loggedIn } = fakeSession();
    loggedIn('bob');
    socket().receive({ type: 'login', at: AT, nickname: 'bob', resume: 'T1' }); // the token of the last login counts
    sentSinceLast();
    socket().receive({ type: 'message', seq: 7, at: AT, room: 'lobby', from: 'amy', text: 'seen live' });
    socket().drop(1006);
    clock.advance(500);
    socket().open();
    expect(sentSinceLast()).toEqual(['/resume T1 7']);
    socket().receive({ type: 'login', at: AT, nickname: 'bob', resume: 'T2' });
    const replay = [7, 8].map((seq) => ({ type: 'message', seq, at: AT, room: 'lobby', from: 'amy', text: `#${seq}` }));
    socket().receive({ type: 'history', at: AT, room: 'lobby', messages: replay });
    socket().receive({ type: 'resumed', at: AT, nickname: 'bob', room: 'lobby', replayed: 2, gap: false });
    expect(session.state).toMatchObject({ nickname: 'bob', wanted: null, room: 'lobby' });
    const shown = reports.events('history').flatMap((event) => (Array.isArray(event.messages) ? event.messages : []));
    expect(shown).toEqual([replay[1]]); // 7 was shown live already
    expect(reports.log.at(-1)).toEqual({ type: 'resumed', nickname: 'bob', room: 'lobby', gap: false });
    expect(sentSinceLast()).toEqual(['/ls', '/rooms']); // no /nick, /join or /i: the resume restored them
    // The next drop resumes with the rotated token (after a longer backoff: the connection was short-lived).
    socket().drop(1006);
    clock.advance(1000);
    socket().open();
    expect(sentSinceLast()).toEqual(['/resume T2 8']);
    // Refused (expired, say): logs in by name as before, and says a gap when there is one.
    socket().receive({ type: 'error', at: AT, code: 'RESUME_FAILED', message: 'no' });
    expect(sentSinceLast()).toEqual(['/nick bob']);
  });

  it('resumes from the end of the unbroken run of seqs: after 5 and 7 (6 still on its way), SEQ 5', () => {
    // Events of concurrent broadcasts can arrive out of order: from the highest seen (7), 6 would never come.
    const { socket, clock, sentSinceLast, loggedIn } = fakeSession();
    loggedIn('bob');
    socket().receive({ type: 'login', at: AT, nickname: 'bob', resume: 'T1' });
    socket().receive({ type: 'message', seq: 5, at: AT, room: 'lobby', from: 'amy', text: 'five' });
    socket().receive({ type: 'message', seq: 7, at: AT, room: 'lobby', from: 'cid', text: 'seven' });
    sentSinceLast();
    socket().drop(1006);
    clock.advance(500);
    socket().open();
    expect(sentSinceLast()).toEqual(['/resume T1 5']);
  });

  it('says when the resume could not replay everything, and moves to a new connection before the 2-hour cap unseen', () => {
    const { session, socket, sockets, clock, reports, sentSinceLast, loggedIn } = fakeSession();
    loggedIn('bob');
    socket().receive({ type: 'login', at: AT, nickname: 'bob', resume: 'T1' });
    socket().drop(1006);
    clock.advance(500);
    socket().open();
    socket().receive({ type: 'resumed', at: AT, nickname: 'bob', room: 'lobby', replayed: 0, gap: true });
    expect(reports.log.at(-1)).toEqual({ type: 'resumed', nickname: 'bob', room: 'lobby', gap: true });
    sentSinceLast();
    const before = reports.log.length;
    clock.advance(RECYCLE_AFTER_MS);
    expect(sockets).toHaveLength(3);
    socket().open();
    expect(sentSinceLast()).toEqual(['/resume T1']);
    socket().receive({ type: 'resumed', at: AT, nickname: 'bob', room: 'lobby', replayed: 0, gap: false });
    expect(session.state).toMatchObject({ nickname: 'bob', room: 'lobby' });
    expect(reports.log.slice(before)).toEqual([]); // nothing for the person to see
  });

  it('backs off doubling to 15 s while the server is unreachable, and starts over after a connection that lived', () => {
    const { session, socket, sockets, clock } = fakeSession();
    session.start();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 7; attempt++) {
      socket().drop(1006); // a refused handshake
      const status = session.state.connection;
      if (status.state !== 'waiting') throw new Error(`not waiting: ${status.state}`);
      delays.push(status.delayMs);
      expect(clock.pending()).toEqual([status.delayMs]);
      clock.advance(status.delayMs);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
    expect(sockets).toHaveLength(8);

    // A connection that stayed open 10 s resets the schedule; a shorter one does not.
    socket().open();
    clock.advance(9_999);
    socket().drop();
    expect(session.state.connection).toMatchObject({ state: 'waiting', delayMs: 15_000 });
    clock.advance(15_000);
    socket().open();
    clock.advance(10_000);
    socket().drop();
    expect(session.state.connection).toMatchObject({ state: 'waiting', delayMs: 500 });

    // reconnectNow skips the wait, and the skipped timer does not open a second socket.
    const before = sockets.length;
    session.reconnectNow();
    expect(sockets).toHaveLength(before + 1);
    expect(clock.pending()).toEqual([]);
    session.reconnectNow(); // not waiting: nothing to skip
    expect(sockets).toHaveLength(before + 1);
  });

  it('jitters each delay into the upper half of its ceiling', () => {
    const { session, socket } = fakeSession(() => 0);
    session.start();
    socket().drop();
    expect(session.state.connection).toMatchObject({ state: 'waiting', delayMs: 250 });
  });

  it('retries the nickname while the old connection still holds it, then gives up', () => {
    const { session, socket, clock, reports, sentSinceLast, loggedIn } = fakeSession();
    loggedIn('bob');
    socket().drop();
    clock.advance(500);
    socket().open();
    expect(sentSinceLast()).toEqual(['/nick bob']);
    const taken = { type: 'error', at: AT, code: 'NICKNAME_TAKEN', message: 'The nickname "bob" is taken.' };
    for (const delayMs of NICK_RETRY_DELAYS_MS) {
      socket().receive(taken);
      expect(reports.log.at(-1)).toEqual({ type: 'nick-retry', nickname: 'bob', delayMs });
      clock.advance(delayMs - 1);
      expect(sentSinceLast()).toEqual([]);
      clock.advance(1);
      expect(sentSinceLast()).toEqual(['/nick bob']);
    }
    expect(reports.events('error')).toEqual([]); // the retries are notes, not errors
    expect(session.state).toMatchObject({ nickname: null, wanted: 'bob' });
    socket().receive(taken);
    expect(reports.events('error')).toMatchObject([{ code: 'NICKNAME_TAKEN' }]);
    // Then the user is asked for another name, right after the server's error.
    expect(reports.log.slice(-2)).toMatchObject([{ type: 'event', event: { code: 'NICKNAME_TAKEN' } }, { type: 'pick-nickname', reason: 'taken', nickname: 'bob' }]);
    expect(session.state.wanted).toBeNull();
    clock.advance(120_000);
    expect(sentSinceLast()).toEqual([]);
  });

  it('bounds the retries of a restored nickname to 3 tries over 5 s', () => {
    // The server cannot tell our old connection from someone else: the retries are for the first only.
    expect(NICK_RETRY_DELAYS_MS.length).toBeLessThanOrEqual(3);
    expect(NICK_RETRY_DELAYS_MS.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(5000);
    expect(NICK_RETRY_WINDOW_MS).toBeLessThanOrEqual(10_000);
  });

  it('asks for another name at once when the drop is too old for the old connection to hold it', () => {
    const { session, socket, clock, reports, sentSinceLast, loggedIn } = fakeSession();
    loggedIn('frank');
    socket().drop(1006);
    // The server restarts: the attempts fail for a while (0.5 + 1 + 2 + 4 + 8 s of backoff).
    for (let failed = 0; failed < 4; failed++) {
      const status = session.state.connection;
      if (status.state !== 'waiting') throw new Error(`not waiting: ${status.state}`);
      clock.advance(status.delayMs);
      socket().drop(1006);
    }
    const status = session.state.connection;
    if (status.state !== 'waiting') throw new Error(`not waiting: ${status.state}`);
    clock.advance(status.delayMs);
    socket().open();
    expect(sentSinceLast()).toEqual(['/nick frank']);
    expect(session.state).toMatchObject({ nickname: null, wanted: 'frank' });
    socket().receive({ type: 'error', at: AT, code: 'NICKNAME_TAKEN', message: 'The nickname "frank" is taken.' });
    expect(reports.log.filter(isType('nick-retry'))).toEqual([]);
    expect(reports.log.at(-1)).toEqual({ type: 'pick-nickname', reason: 'taken', nickname: 'frank' });
    expect(session.state).toMatchObject({ nickname: null, wanted: null });
    expect(clock.pending()).toEqual([]);
    // Another name: logged in, in the lobby.
    session.login('frank2');
    expect(sentSinceLast()).toEqual(['/nick frank2']);
    socket().receive({ type: 'login', at: AT, nickname: 'frank2' });
    expect(session.state).toMatchObject({ nickname: 'frank2', wanted: null, room: 'lobby' });
  });

  it('stops retrying once the drop is older than the retry window', () => {
    const { session, socket, clock, reports, sentSinceLast, loggedIn } = fakeSession();
    loggedIn('gina');
    socket().drop(1006);
    // Three failed attempts: connected again 0.5 + 1 + 2 + 4 = 7.5 s after the drop.
    for (let failed = 0; failed < 3; failed++) {
      const status = session.state.connection;
      if (status.state !== 'waiting') throw new Error(`not waiting: ${status.state}`);
      clock.advance(status.delayMs);
      socket().drop(1006);
    }
    clock.advance(4000);
    socket().open();
    expect(sentSinceLast()).toEqual(['/nick gina']);
    const taken = { type: 'error', at: AT, code: 'NICKNAME_TAKEN', message: 'taken' };
    socket().receive(taken); // 7.5 s: a retry at 8.5 s is still in the window
    expect(reports.log.at(-1)).toEqual({ type: 'nick-retry', nickname: 'gina', delayMs: NICK_RETRY_DELAYS_MS[0] });
    clock.advance(NICK_RETRY_DELAYS_MS[0] ?? 0);
    expect(sentSinceLast()).toEqual(['/nick gina']);
    socket().receive(taken); // 8.5 s: the next one (10.5 s) would not be
    expect(reports.log.at(-1)).toEqual({ type: 'pick-nickname', reason: 'taken', nickname: 'gina' });
    expect(reports.log.filter(isType('nick-retry'))).toHaveLength(1);
    expect(session.state).toMatchObject({ nickname: null, wanted: null });
    clock.advance(60_000);
    expect(sentSinceLast()).toEqual([]);
  });

  it('asks for its nickname at once on the next connection when dropped during the retries', () => {
    const { socket, clock, reports, sentSinceLast, loggedIn, reset } = fakeSession();
    loggedIn('bob');
    socket().drop();
    clock.advance(500);
    socket().open();
    reset();
    sentSinceLast();
    socket().receive({ type: 'error', at: AT, code: 'NICKNAME_TAKEN', message: 'taken' });
    expect(reports.log.at(-1)).toMatchObject({ type: 'nick-retry', delayMs: 1000 });
    socket().drop();
    expect(clock.pending()).toEqual([1000]); // the reconnect only: the retry was cancelled
    clock.advance(1000);
    socket().open();
    expect(sentSinceLast()).toEqual(['/nick bob']);
    clock.advance(60_000);
    expect(sentSinceLast()).toEqual([]);
    socket().receive({ type: 'login', at: AT, nickname: 'bob' });
    expect(sentSinceLast()).toEqual(['/ls', '/rooms']); // it was in the lobby: nothing to rejoin
  });

  it('drops the restore when the user picks a nickname meanwhile', () => {
    const { session, socket, clock, sentSinceLast, loggedIn } = fakeSession();
    loggedIn('bob');
    session.join('games');
    socket().receive({ type: 'room', at: AT, room: 'games' });
    socket().drop();
    clock.advance(500);
    socket().open();
    expect(sentSinceLast()).toEqual(['/nick bob']);
    socket().receive({ type: 'error', at: AT, code: 'NICKNAME_TAKEN', message: 'taken' });
    session.login('robert');
    expect(session.state.wanted).toBe('robert');
    expect(sentSinceLast()).toEqual(['/nick robert']);
    clock.advance(1000); // the cancelled retry of bob
    expect(sentSinceLast()).toEqual([]);
    socket().receive({ type: 'login', at: AT, nickname: 'robert' });
    expect(sentSinceLast()).toEqual(['/ls', '/rooms']);
    expect(session.state).toMatchObject({ nickname: 'robert', room: 'lobby' });
  });

  it('refreshes the online list on joins and leaves at most every 3 s, quietly', () => {
    const { socket, clock, reports, sentSinceLast, loggedIn } = fakeSession();
    loggedIn('alice');
    const joined = (nickname: string) => socket().receive({ type: 'system', at: AT, room: 'lobby', text: `${nickname} joined` });
    joined('bob');
    joined('carol');
    const soon = () => clock.pending().filter((ms) => ms < RECYCLE_AFTER_MS - 60_000); // not the 2-hour recycle
    expect(soon()).toEqual([REFRESH_INTERVAL_MS]);
    clock.advance(REFRESH_INTERVAL_MS - 1);
    expect(sentSinceLast()).toEqual([]);
    clock.advance(1);
    expect(sentSinceLast()).toEqual(['/ls']);
    socket().receive({ type: 'users', at: AT, room: 'lobby', users: ['alice', 'bob', 'carol'], count: 3 });
    expect(reports.log.filter(isEvent('users'))).toEqual([]);
    expect(reports.log.filter(isEvent('system'))).toHaveLength(2);
    clock.advance(10_000);
    joined('dave'); // long after the last refresh: at once
    expect(soon()).toEqual([0]);
    clock.advance(0);
    expect(sentSinceLast()).toEqual(['/ls']);
  });

  it('reads the member changes out of the announcements, and nothing out of other system text', () => {
    expect(memberChange('bob joined')).toEqual({ kind: 'joined', nickname: 'bob' });
    expect(memberChange('bob left')).toEqual({ kind: 'left', nickname: 'bob' });
    expect(memberChange('bob is now robert')).toEqual({ kind: 'renamed', from: 'bob', to: 'robert' });
    expect(memberChange('Ａｌｉｃｅ joined')).toEqual({ kind: 'joined', nickname: 'Ａｌｉｃｅ' });
    for (const push of ['3 users online', 'the maintenance is now over', 'the server left', 'bob joined ', 'bob  left', 'we are joined']) {
      expect(memberChange(push)).toBeNull();
    }
  });

  it('updates the online list at once from joins, renames and leaves, before any /ls answer', () => {
    const { session, socket, clock, reports, sentSinceLast, loggedIn } = fakeSession();
    loggedIn('carol');
    const system = (text: string, room = 'lobby') => socket().receive({ type: 'system', at: AT, room, text });
    system('bob joined');
    expect(session.state).toMatchObject({ users: ['bob', 'carol'], userCount: 2, rooms: [{ room: 'lobby', count: 2 }] });
    system('Alice joined');
    expect(session.state).toMatchObject({ users: ['Alice', 'bob', 'carol'], userCount: 3 }); // sorted as /ls sorts
    system('bob joined'); // again (e.g. a repeated frame): nothing changes
    expect(session.state).toMatchObject({ users: ['Alice', 'bob', 'carol'], userCount: 3 });
    system('bob is now zed');
    expect(session.state).toMatchObject({ users: ['Alice', 'carol', 'zed'], userCount: 3 });
    system('Alice left');
    expect(session.state).toMatchObject({ users: ['carol', 'zed'], userCount: 2 });
    system('nobody left'); // not in our complete list: no one to count down
    expect(session.state).toMatchObject({ users: ['carol', 'zed'], userCount: 2 });
    system('3 users online'); // an operator's push
    system('maintenance is now over'); // one that reads like a rename, of no one listed
    system('dave joined', 'games'); // not our room (a late frame from before a move)
    expect(session.state).toMatchObject({ users: ['carol', 'zed'], userCount: 2 });
    // Our own rename, too.
    system('carol is now caroline');
    expect(session.state.users).toEqual(['caroline', 'zed']);
    // All of it shown before any /ls was even sent; the /ls that confirms it follows, quietly.
    expect(sentSinceLast()).toEqual([]);
    expect(reports.log.filter(isEvent('system'))).toHaveLength(10);
    clock.advance(REFRESH_INTERVAL_MS);
    expect(sentSinceLast()).toEqual(['/ls']);
    socket().receive({ type: 'users', at: AT, room: 'lobby', users: ['caroline', 'zed'], count: 2 });
    expect(reports.log.filter(isEvent('users'))).toEqual([]);
  });

  it('keeps a change announced after it asked when the /ls answer predates it', () => {
    const { session, socket, clock, sentSinceLast, loggedIn } = fakeSession();
    loggedIn('carol');
    socket().receive({ type: 'system', at: AT, room: 'lobby', text: 'bob joined' });
    clock.advance(REFRESH_INTERVAL_MS);
    expect(sentSinceLast()).toEqual(['/ls']);
    socket().receive({ type: 'system', at: AT, room: 'lobby', text: 'dave joined' });
    socket().receive({ type: 'system', at: AT, room: 'lobby', text: 'bob left' });
    expect(session.state).toMatchObject({ users: ['carol', 'dave'], userCount: 2 });
    // The server listed the room before dave came and bob went: both changes still stand.
    socket().receive({ type: 'users', at: AT, room: 'lobby', users: ['bob', 'carol'], count: 2 });
    expect(session.state).toMatchObject({ users: ['carol', 'dave'], userCount: 2 });
    // The next answer is the truth again (no request outstanding, nothing re-applied).
    clock.advance(REFRESH_INTERVAL_MS);
    expect(sentSinceLast()).toEqual(['/ls']);
    socket().receive({ type: 'users', at: AT, room: 'lobby', users: ['carol', 'dave', 'erin'], count: 3 });
    expect(session.state).toMatchObject({ users: ['carol', 'dave', 'erin'], userCount: 3 });
    session.send('/ls');
    socket().receive({ type: 'users', at: AT, room: 'lobby', users: ['carol'], count: 1 });
    expect(session.state).toMatchObject({ users: ['carol'], userCount: 1 });
  });

  it('counts a leaver it does not list when the list is truncated', () => {
    const { session, socket, loggedIn } = fakeSession();
    loggedIn('carol');
    session.send('/ls');
    socket().receive({ type: 'users', at: AT, room: 'lobby', users: ['alice', 'carol'], count: 1500 });
    socket().receive({ type: 'system', at: AT, room: 'lobby', text: 'zoe left' });
    expect(session.state).toMatchObject({ users: ['alice', 'carol'], userCount: 1499 });
    socket().receive({ type: 'system', at: AT, room: 'lobby', text: 'bob joined' });
    expect(session.state).toMatchObject({ users: ['alice', 'bob', 'carol'], userCount: 1500 });
  });

  it('keeps an answer about the old room from replacing the new room’s list, and counts the room from /ls', () => {
    const { session, socket, sentSinceLast, loggedIn } = fakeSession();
    loggedIn('alice');
    socket().receive({ type: 'rooms', at: AT, rooms: [{ room: 'lobby', count: 1 }, { room: 'games', count: 1 }], count: 2 });
    session.join('games');
    socket().receive({ type: 'room', at: AT, room: 'games' });
    expect(sentSinceLast()).toEqual(['/join games', '/ls', '/rooms']);
    expect(session.state).toMatchObject({ users: [], userCount: null }); // not the lobby's people under #games
    socket().receive({ type: 'users', at: AT, room: 'lobby', users: ['zed'], count: 9 }); // sent before the move
    expect(session.state.users).toEqual([]);
    socket().receive({ type: 'system', at: AT, room: 'games', text: 'alice joined' }); // before its /ls answer
    expect(session.state.users).toEqual(['alice']);
    socket().receive({ type: 'users', at: AT, room: 'games', users: ['alice', 'bob'], count: 2 });
    expect(session.state).toMatchObject({
      room: 'games',
      users: ['alice', 'bob'],
      userCount: 2,
      rooms: [
        { room: 'lobby', count: 1 },
        { room: 'games', count: 2 },
      ],
    });
  });

  it('logs frames that are not events, gateway errors and unknown events as such', () => {
    const { socket, session, reports } = fakeSession();
    session.start();
    socket().open();
    socket().receive('<b>not json</b>');
    socket().receive('[1, 2]');
    socket().receive({ message: 'Internal server error', connectionId: 'abc=', requestId: 'r' });
    socket().receive({ type: 'poll', at: AT, question: '?' });
    socket().receive({ type: 'history', at: AT, room: 'lobby', messages: [{ at: AT, room: 'lobby', from: 'bob', text: 'hi' }] });
    expect(reports.log).toEqual([
      { type: 'pick-nickname', reason: 'start', nickname: null },
      { type: 'text', text: '<b>not json</b>' },
      { type: 'text', text: '[1, 2]' },
      { type: 'gateway-error', message: 'Internal server error' },
      { type: 'event', event: { type: 'poll', at: AT, question: '?' }, me: null },
      { type: 'event', event: { type: 'history', at: AT, room: 'lobby', messages: [{ at: AT, room: 'lobby', from: 'bob', text: 'hi' }] }, me: null },
    ]);
  });

  it('fails without retrying when the URL cannot be opened', () => {
    const clock = new FakeClock();
    const reports = new Reports();
    const session = new ChatSession({
      url: 'ws://[::1/',
      createSocket: () => {
        throw new SyntaxError('Invalid URL');
      },
      clock,
      ...reports.callbacks,
    });
    session.start();
    expect(session.state.connection).toEqual({ state: 'failed', reason: 'Invalid URL' });
    expect(reports.log).toEqual([{ type: 'cannot-connect', url: 'ws://[::1/', reason: 'Invalid URL' }]);
    expect(clock.pending()).toEqual([]);
  });

  it('stops: closes the socket and does not come back until started again', () => {
    const { session, socket, sockets, clock, sentSinceLast, loggedIn } = fakeSession();
    loggedIn('alice');
    const first = socket();
    session.stop();
    expect(first.readyState).toBe(3);
    expect(session.state).toMatchObject({ connection: { state: 'stopped' }, nickname: null, wanted: 'alice' });
    clock.advance(60_000);
    expect(sockets).toHaveLength(1);
    session.start();
    socket().open();
    expect(sentSinceLast()).toEqual(['/nick alice']);
  });
});

describe('the chat session, with ws as its socket, against the real local chat', () => {
  // No grace for 410s: a dropped connection is evicted as soon as its nickname is claimed again.
  const chat = useLocalChat({ env: { CONNECT_GRACE_MS: '0' } });
  const sessions: ChatSession[] = [];
  // Registered after useLocalChat's, so it runs first: sessions close before the harness waits for no connections.
  afterEach(() => {
    for (const session of sessions.splice(0)) session.stop();
  });

  /** A session on `ws` sockets; the backoff and the retries run on a fake clock. */
  async function connected() {
    const clock = new FakeClock();
    const reports = new Reports();
    const session = new ChatSession({ url: chat.chat.url, createSocket: (url) => new WebSocket(url), clock, random: () => 1, ...reports.callbacks });
    reports.session = session;
    sessions.push(session);
    session.start();
    await reports.state((state) => state.connection.state === 'open', 'the connection');
    return { session, clock, reports };
  }

  async function loggedIn(nickname: string) {
    const connection = await connected();
    connection.session.login(nickname);
    // Logged in, and its own /ls and /rooms answered.
    await connection.reports.state((state) => state.nickname === nickname && state.users.includes(nickname) && state.rooms.length > 0, `logged in as ${nickname}`);
    return connection;
  }

  async function connectionIdOf(session: ChatSession, reports: Reports): Promise<string> {
    session.send('/whoami');
    const { event } = await reports.nextLog(isEvent('whoami'), 'the /whoami answer');
    return String(event.connectionId);
  }

  it('logs in, is told when a name is taken, and fills the lists without logging them', async () => {
    const bob = await chat.login('bob');
    const { session, reports } = await connected();
    session.login('bob');
    const refused = await reports.nextLog(isEvent('error'), 'the refusal');
    expect(refused.event.code).toBe('NICKNAME_TAKEN');
    expect(session.state).toMatchObject({ nickname: null, wanted: null });

    session.login('alice');
    const state = await reports.state((s) => s.nickname === 'alice' && s.users.length === 2 && s.rooms.length > 0, 'the lists');
    expect(state).toMatchObject({ room: 'lobby', users: ['alice', 'bob'], userCount: 2, rooms: [{ room: 'lobby', count: 2 }] });
    await bob.waitFor((event) => event.type === 'system' && event.text === 'alice joined', '"alice joined"');
    expect(reports.events('users')).toEqual([]);
    expect(reports.events('rooms')).toEqual([]);
    expect(reports.events('login')).toMatchObject([{ nickname: 'alice' }]);
  });

  it('reconnects after a drop and resumes: nickname, room, ignore and what was said back, the room told nothing', async () => {
    const dave = await chat.login('dave');
    dave.send('/join games');
    await dave.next('room');
    const { session, clock, reports } = await loggedIn('carol');
    session.join('games');
    await reports.state((s) => s.room === 'games', 'the room');
    await dave.waitFor((event) => event.type === 'system' && event.text === 'carol joined', '"carol joined"');
    session.toggleIgnore();
    await reports.state((s) => s.ignoring, 'ignoring');
    const connectionId = await connectionIdOf(session, reports);

    // The socket vanishes without a $disconnect.
    chat.chat.gateway.dropConnection(connectionId);
    const lost = await reports.nextLog(isType('connection-lost'), 'the drop');
    expect(session.state).toMatchObject({ nickname: null, wanted: 'carol', room: null, ignoring: false });
    expect(clock.pending()).toContain(lost.delayMs);
    clock.advance(lost.delayMs);

    const restored = await reports.state((s) => s.nickname === 'carol' && s.room === 'games' && s.ignoring, 'nickname, room and ignore restored');
    expect(restored.connection).toEqual({ state: 'open', connects: 2 });
    expect(reports.log.filter(isType('reconnected'))).toHaveLength(1);
    expect(chat.chat.gateway.connectionIds()).not.toContain(connectionId);
    expect(reports.log.filter(isType('resumed'))).toMatchObject([{ nickname: 'carol', room: 'games', gap: false }]);
    // The same carol on another socket: the room saw no one leave or come.
    await chat.settled(dave);
    expect(dave.received('system').filter((event) => event.room === 'games' && /carol/u.test(event.text)).map((event) => event.text)).toEqual(['carol joined']);
    // The server agrees: ignoring, so dave's broadcast does not reach carol, and carol cannot broadcast.
    session.send('anyone?');
    const refused = await reports.nextLog(isEvent('error'), 'IGNORING');
    expect(refused.event.code).toBe('IGNORING');
  });

  it('keeps asking for its nickname while another connection holds it, and gets it once it is free', async () => {
    const { session, clock, reports } = await loggedIn('erin');
    chat.chat.gateway.dropConnection(await connectionIdOf(session, reports));
    const lost = await reports.nextLog(isType('connection-lost'), 'the drop');

    // While it is offline someone else takes the name (the dropped connection is evicted for it).
    const other = await chat.login('erin');
    clock.advance(lost.delayMs);
    const retry = await reports.nextLog(isType('nick-retry'), 'a retry');
    expect(retry).toEqual({ type: 'nick-retry', nickname: 'erin', delayMs: NICK_RETRY_DELAYS_MS[0] });
    expect(session.state).toMatchObject({ nickname: null, wanted: 'erin' });

    // The other renames away: its login event comes after the old name's claim was released.
    other.send('/nick erin2');
    await other.next('login');
    clock.advance(retry.delayMs);
    await reports.state((s) => s.nickname === 'erin' && s.room === 'lobby', 'erin again');
    expect(reports.events('error')).toEqual([]);
  });
});
