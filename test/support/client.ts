// A real WebSocket chat client for tests: buffers every server event, and lets a test wait for the
// next one of a kind, in arrival order.
import WebSocket from 'ws';
import type { ServerEvent, ServerEventType } from '../../functions/core/events.ts';
import { roundTrip } from './round-trip.ts';

type EventOf<T extends ServerEventType> = Extract<ServerEvent, { type: T }>;

/**
 * How long a wait for an event (or a state) may take before it fails. It is only the bound for reporting
 * a hang: a passing test never waits it out, so it is set for a loaded machine, not for speed (vitest's
 * testTimeout is 30 s). Never a way to let something happen: wait for the event that proves it.
 */
export const DEFAULT_WAIT_MS = 10_000;

export class ChatClient {
  readonly events: ServerEvent[] = [];
  private cursor = 0;
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.events.push(JSON.parse(data.toString()) as ServerEvent);
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  /** Opens a connection; rejects with the HTTP status when the handshake is refused. */
  static connect(url: string, query: Record<string, string> = {}): Promise<ChatClient> {
    const target = new URL(url);
    for (const [key, value] of Object.entries(query)) target.searchParams.set(key, value);
    return ChatClient.open(new WebSocket(target));
  }

  static connectWithHeaders(url: string, headers: Record<string, string>): Promise<ChatClient> {
    return ChatClient.open(new WebSocket(url, [], { headers }));
  }

  private static open(socket: WebSocket): Promise<ChatClient> {
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new ChatClient(socket)));
      socket.once('unexpected-response', (_request, response) => {
        reject(new HandshakeRefused(response.statusCode ?? 0));
        socket.terminate();
      });
      socket.once('error', reject);
    });
  }

  /** Connects and logs in with /nick, consuming the login event and the user's own "joined" announcement. */
  static async login(url: string, nickname: string): Promise<ChatClient> {
    const client = await ChatClient.connect(url);
    client.send(`/nick ${nickname}`);
    const login = await client.next('login');
    if (login.nickname !== nickname.normalize('NFC')) throw new Error(`logged in as ${login.nickname}`);
    const joined = `${login.nickname} joined`;
    await client.waitFor((event) => event.type === 'system' && event.text === joined, `"${joined}"`);
    return client;
  }

  send(text: string): void {
    this.socket.send(text);
  }

  sendMessage(text: string): void {
    this.socket.send(JSON.stringify({ action: 'message', text }));
  }

  /** The next not-yet-consumed event of this type (events of other types before it stay unconsumed). */
  async next<T extends ServerEventType>(type: T, timeoutMs = DEFAULT_WAIT_MS): Promise<EventOf<T>> {
    return this.waitFor((event): event is EventOf<T> => event.type === type, `a "${type}" event`, timeoutMs);
  }

  /** The next not-yet-consumed event matching the predicate; events before it stay available. */
  async waitFor<E extends ServerEvent>(match: (event: ServerEvent) => event is E, what: string, timeoutMs?: number): Promise<E>;
  async waitFor(match: (event: ServerEvent) => boolean, what: string, timeoutMs?: number): Promise<ServerEvent>;
  async waitFor(match: (event: ServerEvent) => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<ServerEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.events.findIndex((event, i) => i >= this.cursor && match(event) && !this.taken.has(i));
      if (index >= 0) {
        this.taken.add(index);
        while (this.taken.has(this.cursor)) this.cursor += 1;
        return this.events[index] as ServerEvent;
      }
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting for ${what}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events.slice(this.cursor))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async error(code: string): Promise<EventOf<'error'>> {
    const event = await this.next('error');
    if (event.code !== code) throw new Error(`expected error ${code}, got ${event.code}: ${event.message}`);
    return event;
  }

  /** Events received so far that match, consumed or not. */
  received<T extends ServerEventType>(type: T): EventOf<T>[] {
    return this.events.filter((event): event is EventOf<T> => event.type === type);
  }

  /**
   * A ping round trip: every frame the gateway handed to this socket before it has arrived (see
   * round-trip.ts). No handler runs, so no event is consumed and nothing counts against the rate limit.
   */
  roundTrip(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return roundTrip(this.socket, timeoutMs);
  }

  /** Resolves with the close code and reason once the socket has closed (at once if it already has). */
  async whenClosed(timeoutMs = DEFAULT_WAIT_MS): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`socket still open after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }

  private readonly taken = new Set<number>();

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`handshake refused with HTTP ${status}`);
  }
}
