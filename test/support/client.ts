// The tests' one WebSocket client, in two layers. `TextClient` is the socket and its raw text frames
// (what the gateway tests send any handler and read back); `ChatClient` adds the chat's JSON events on
// top. One way to open (`open`: rejects with `HandshakeRefused` and the HTTP status; `attempt`: reports
// the refusal, body and headers too), one way to wait (for a frame, an event or the close: each fails
// at once on a closed socket, or after DEFAULT_WAIT_MS), one way to close.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { onTestFinished } from 'vitest';
import WebSocket from 'ws';
import type { ServerEvent, ServerEventType } from '../../functions/core/events.ts';
import { roundTrip } from './round-trip.ts';
import { DEFAULT_WAIT_MS } from './wait.ts';

export interface OpenOptions {
  /** Set on the URL's query string (an URL's own query stays as written when this is empty). */
  query?: Record<string, string>;
  /** An array value sends the header once per element, as a repeated header. */
  headers?: Record<string, string | string[]>;
  protocols?: string[];
}

/** A handshake the server answered with an HTTP response instead of the upgrade. */
export interface Refusal {
  status: number;
  body: string;
  headers: IncomingHttpHeaders;
}

export type Attempt<C> = { client: C } | { refused: Refusal };

/** The header of a frame from the server, as it came on the wire. */
export interface FrameHeader {
  fin: boolean;
  opcode: number;
  length: number;
}

export interface Closed {
  code: number;
  reason: string;
}

type ClientClass<C extends TextClient> = new (socket: WebSocket) => C;

/** A WebSocket and the text frames it receives: every one is kept, and `nextMessage` takes them in order. */
export class TextClient {
  /** Every text frame received so far, taken or not. */
  readonly texts: string[] = [];
  /** The headers of the server's frames as they came on the wire (for fragmentation checks). */
  readonly frames: FrameHeader[] = [];
  /** The close code and reason once the socket has closed. */
  closed: Closed | null = null;
  private taken = 0;
  private waiters: Array<() => void> = [];

  constructor(readonly socket: WebSocket) {
    const reader = new ServerFrameReader();
    socket.once('upgrade', (response: IncomingMessage) => response.socket.on('data', (chunk: Buffer) => this.frames.push(...reader.push(chunk))));
    socket.on('message', (data) => {
      const text = data.toString();
      this.texts.push(text);
      this.onText(text);
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    socket.on('error', () => {}); // a failed handshake rejects `attempt`; a failure after it ends in the close
  }

  /** Attempts a handshake: the open client, or the server's HTTP refusal (the socket is then closed). */
  static attempt<C extends TextClient>(this: ClientClass<C>, url: string, options: OpenOptions = {}): Promise<Attempt<C>> {
    return attempt(this, url, options);
  }

  /** Opens a connection; rejects with `HandshakeRefused` (the HTTP status) when the handshake is refused. */
  static async open<C extends TextClient>(this: ClientClass<C>, url: string, options: OpenOptions = {}): Promise<C> {
    const outcome = await attempt(this, url, options);
    if ('refused' in outcome) throw new HandshakeRefused(outcome.refused.status);
    return outcome.client;
  }

  send(text: string): void {
    this.socket.send(text);
  }

  /** The next text frame not yet taken by `nextMessage`. */
  nextMessage(timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    return this.until(() => (this.taken < this.texts.length ? this.texts[this.taken++] : undefined), 'a message', timeoutMs);
  }

  /** Every text frame from now on, as the raw text on the wire (an array that keeps filling). */
  recordTexts(): string[] {
    const texts: string[] = [];
    this.socket.on('message', (data) => texts.push(data.toString()));
    return texts;
  }

  /**
   * A ping round trip: every frame the gateway handed to this socket before it has arrived (see
   * round-trip.ts). No handler runs, so nothing is consumed and nothing counts against the rate limit.
   */
  roundTrip(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return roundTrip(this.socket, timeoutMs);
  }

  /** Resolves with the close code and reason once the socket has closed (at once if it already has). */
  whenClosed(timeoutMs = DEFAULT_WAIT_MS): Promise<Closed> {
    return this.until(() => this.closed ?? undefined, 'the socket to close', timeoutMs);
  }

  /** Closes the socket and resolves once it has closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }

  /** Terminates the socket when the running test ends, passed or failed; returns the client. */
  endWithTest(): this {
    onTestFinished(() => this.socket.terminate());
    return this;
  }

  /** A received frame, for a layer on top (called before any waiter wakes). */
  protected onText(_text: string): void {}

  /** What has arrived but not been taken, for a timeout's message. */
  protected unconsumed(): unknown[] {
    return this.texts.slice(this.taken);
  }

  /** The first `find()` that is not undefined, trying again on every frame and on the close. */
  protected async until<T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting for ${what}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.unconsumed())}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

function attempt<C extends TextClient>(Client: ClientClass<C>, url: string, options: OpenOptions): Promise<Attempt<C>> {
  const target = new URL(url);
  for (const [key, value] of Object.entries(options.query ?? {})) target.searchParams.set(key, value);
  const socket = new WebSocket(target, options.protocols ?? [], { headers: options.headers ?? {} });
  const client = new Client(socket); // before the upgrade: the frame reader starts with it
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ client }));
    socket.once('unexpected-response', (_request, response: IncomingMessage) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        socket.terminate();
        resolve({ refused: { status: response.statusCode ?? 0, body, headers: response.headers } });
      });
    });
    socket.once('error', reject);
  });
}

type EventOf<T extends ServerEventType> = Extract<ServerEvent, { type: T }>;

/** A chat client: buffers every server event, and lets a test wait for the next one of a kind, in arrival order. */
export class ChatClient extends TextClient {
  readonly events: ServerEvent[] = [];
  private cursor = 0;
  private readonly consumed = new Set<number>();

  /** Opens a connection with `query` on its URL; rejects with `HandshakeRefused` when the handshake is refused. */
  static connect(url: string, query: Record<string, string> = {}): Promise<ChatClient> {
    return ChatClient.open(url, { query });
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

  /** The resume token of this client's latest `login` event (README, "Delivery"). */
  resumeToken(): string {
    const token = this.received('login').at(-1)?.resume;
    if (token === undefined) throw new Error('no login event yet');
    return token;
  }

  /** Sends `text` through the `message` route (a JSON frame), not `$default`. */
  sendMessage(text: string): void {
    this.send(JSON.stringify({ action: 'message', text }));
  }

  /** The next not-yet-consumed event of this type (events of other types before it stay unconsumed). */
  async next<T extends ServerEventType>(type: T, timeoutMs = DEFAULT_WAIT_MS): Promise<EventOf<T>> {
    return this.waitFor((event): event is EventOf<T> => event.type === type, `a "${type}" event`, timeoutMs);
  }

  /** The next not-yet-consumed event matching the predicate; events before it stay available. */
  async waitFor<E extends ServerEvent>(match: (event: ServerEvent) => event is E, what: string, timeoutMs?: number): Promise<E>;
  async waitFor(match: (event: ServerEvent) => boolean, what: string, timeoutMs?: number): Promise<ServerEvent>;
  async waitFor(match: (event: ServerEvent) => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<ServerEvent> {
    return this.until(() => this.consume(match), what, timeoutMs);
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

  protected override onText(text: string): void {
    this.events.push(JSON.parse(text) as ServerEvent);
  }

  protected override unconsumed(): unknown[] {
    return this.events.slice(this.cursor);
  }

  private consume(match: (event: ServerEvent) => boolean): ServerEvent | undefined {
    const index = this.events.findIndex((event, i) => i >= this.cursor && !this.consumed.has(i) && match(event));
    if (index < 0) return undefined;
    this.consumed.add(index);
    while (this.consumed.has(this.cursor)) this.cursor += 1;
    return this.events[index];
  }
}

/** Asks with /whoami; the connection id the chat gave this client. */
export async function connectionIdOf(client: ChatClient): Promise<string> {
  client.send('/whoami');
  return (await client.next('whoami')).connectionId;
}

export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`handshake refused with HTTP ${status}`);
  }
}

/** Reads the headers of server→client frames (unmasked) across chunk boundaries, skipping payloads. */
class ServerFrameReader {
  private leftover: Buffer = Buffer.alloc(0);
  private payloadToSkip = 0;

  push(chunk: Buffer): FrameHeader[] {
    const frames: FrameHeader[] = [];
    const data = this.leftover.length ? Buffer.concat([this.leftover, chunk]) : chunk;
    let offset = 0;
    for (;;) {
      const skipped = Math.min(this.payloadToSkip, data.length - offset);
      this.payloadToSkip -= skipped;
      offset += skipped;
      if (this.payloadToSkip > 0 || data.length - offset < 2) break;
      const first = data[offset] ?? 0;
      const length7 = (data[offset + 1] ?? 0) & 0x7f;
      const headerLength = length7 === 126 ? 4 : length7 === 127 ? 10 : 2;
      if (data.length - offset < headerLength) break;
      const length =
        length7 === 126 ? data.readUInt16BE(offset + 2) : length7 === 127 ? Number(data.readBigUInt64BE(offset + 2)) : length7;
      frames.push({ fin: (first & 0x80) !== 0, opcode: first & 0x0f, length });
      offset += headerLength;
      this.payloadToSkip = length;
    }
    this.leftover = data.subarray(offset);
    return frames;
  }
}
