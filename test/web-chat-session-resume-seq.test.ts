// The browser client's side of the delivery contract: which SEQ it resumes from when events arrived
// out of order (found by attacking the first version, which resumed from the highest seq seen).
import { describe, expect, it } from 'vitest';
import { ChatSession, type Clock, type SocketLike } from '../web/chat-session.js';

const AT = '2026-12-01T12:00:00.000Z';
type Listener = (event: { data: unknown; code: number }) => void;

/** The browser's WebSocket as the session sees it; the test plays the server. */
class Socket implements SocketLike {
  readyState = 0;
  readonly sent: string[] = [];
  private readonly listeners = new Map<string, Listener[]>();
  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  send(text: string): void {
    this.sent.push(text);
  }
  close(): void {
    this.readyState = 3;
    this.emit('close', 1005);
  }
  open(): void {
    this.readyState = 1;
    this.emit('open');
  }
  receive(frame: object): void {
    for (const listener of this.listeners.get('message') ?? []) listener({ data: JSON.stringify(frame), code: 0 });
  }
  drop(): void {
    this.readyState = 3;
    this.emit('error');
    this.emit('close', 1006);
  }
  private emit(type: string, code = 0): void {
    for (const listener of this.listeners.get(type) ?? []) listener({ data: undefined, code });
  }
}

/** Timers that fire only when the test advances time. */
class ManualClock implements Clock {
  private time = 1_000_000;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();
  private nextId = 1;
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): number {
    this.timers.set(this.nextId, { at: this.time + ms, callback });
    return this.nextId++;
  }
  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.timers.delete(handle);
  }
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= until).sort(([, a], [, b]) => a.at - b.at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = until;
  }
}

describe('the browser client resumes from the right seq', () => {
  // Correct: README: "events of two concurrent broadcasts may arrive out of order, so sort by seq".
  // A client that saw 5 and 7 but not 6 (6 was still on its way when the socket dropped) must resume
  // from 5 (the end of what it saw without a hole), so the replay brings 6; the server replays only
  // what is after SEQ. The first version resumed from the highest seq seen (`last = max`), 7, and 6 was never
  // shown. The terminal client had the same bug (local/chat-cli/seen-events.ts; see local-chat-cli.test.ts).
  it('after seeing seq 5 and 7 (6 in flight), resumes with SEQ 5, not 7', () => {
    const sockets: Socket[] = [];
    const clock = new ManualClock();
    const session = new ChatSession({
      url: 'ws://chat.test/',
      createSocket: () => {
        const socket = new Socket();
        sockets.push(socket);
        return socket;
      },
      clock,
      random: () => 1,
    });
    const socket = () => sockets.at(-1) ?? new Socket();
    session.start();
    socket().open();
    session.login('bob');
    socket().receive({ type: 'login', at: AT, nickname: 'bob', resume: 'T1' });
    socket().receive({ type: 'users', at: AT, room: 'lobby', users: ['bob'], count: 1 });
    socket().receive({ type: 'rooms', at: AT, rooms: [{ room: 'lobby', count: 1 }], count: 1 });
    socket().receive({ type: 'message', seq: 5, at: AT, room: 'lobby', from: 'amy', text: 'five' });
    socket().receive({ type: 'message', seq: 7, at: AT, room: 'lobby', from: 'cid', text: 'seven' });
    socket().drop();
    clock.advance(20_000);
    socket().open();
    expect(socket().sent.filter((line) => line.startsWith('/resume'))).toEqual(['/resume T1 5']);
  });
});
