// HTTP/1.1 over keep-alive sockets, for the handlers' peers: API Gateway's @connections, DynamoDB, SQS
// (functions/later-queue.ts) and an OIDC issuer's documents (functions/remote-jwks.ts).
// A request is one write of a head the caller built (its Host and Content-Length included) and its body;
// the answer is read here: status line, headers, and a Content-Length, chunked or read-to-close body.
//
// Why not node:http: its ClientRequest, IncomingMessage and Agent layers (a stream each way, header
// objects built and validated one by one) were most of a post's CPU: `npm run bench` measured an unsigned
// POST through node:http at more CPU than a signed post through this (bench/probes/post-cpu.ts), and a
// cold broadcast to 100 recipients 10–25 ms shorter (bench/probes/bundles.ts); the figures are in
// README.md ("Fan-out", "Benchmark") and docs/benchmark-history.md. Why not undici, the well-kept
// alternative: bundled, its import alone was ≈80 ms of a cold start, and its first posts were no faster.
//
// What these peers never need is left out: proxies, redirects, Expect: 100-continue, upgrades, pipelining
// (one request per socket at a time), request streaming and HTTP/2. Trailers are read and dropped.
import net from 'node:net';
// The module object, not a named import: tls.connect is looked up per connection, as node:https does, so
// the local gateway's trust of its own CA (local/gateway/tls.ts wraps tls.connect) reaches these sockets.
import tls from 'node:tls';
import { Fifo } from './fifo.ts';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Already encoded: `/prod/@connections/R1km%3D`. */
  path: string;
  /** Name, value, name, value…, sent as they are: the caller's Host and Content-Length included, none added. */
  headers: readonly string[];
  body?: string;
  /** How `body` becomes bytes: `latin1` for bytes carried in a string, `utf8` (the default) for text. */
  encoding?: 'latin1' | 'utf8';
}

export interface HttpAnswer {
  status: number;
  /** By lower-case name; a repeated header's values joined by ", ". */
  headers: ReadonlyMap<string, string>;
  body: Buffer;
}

export interface KeepAliveHttpOptions {
  /** Sockets open at most; requests beyond that wait for a free one, first come first served. */
  readonly maxSockets: number;
  /** A socket silent this long while a request waits for its answer fails that request (ResponseTimeout). */
  readonly timeoutMs: number;
  /** The most bytes an answer may have, head included; a longer one fails its request. Default: 16 MiB. */
  readonly maxAnswerBytes?: number;
}

export interface KeepAliveHttp {
  /** Resolves with the whole answer, whatever its status; rejects on a network, timeout or protocol failure. */
  request(request: HttpRequest): Promise<HttpAnswer>;
  /** Closes every socket (requests on them fail); the pool stays usable and opens new ones. */
  destroy(): void;
}

/** The peer stayed silent for `timeoutMs` with a request waiting: it may or may not have acted on it. */
export class ResponseTimeout extends Error {
  override readonly name = 'TimeoutError';

  constructor(ms: number, host: string) {
    super(`no answer from ${host} within ${ms} ms`);
  }
}

/** The peer's bytes are not an HTTP/1.1 answer (or not one within the limits). */
export class HttpProtocolError extends Error {
  override readonly name = 'HttpProtocolError';
}

/** The socket closed before the answer was whole; `code` as node:http gives it, so retry rules read both alike. */
export class SocketHangUp extends Error {
  readonly code = 'ECONNRESET';

  constructor(host: string) {
    super(`socket hang up (${host})`);
  }
}

const DEFAULT_MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/** As node:http's default limit on a head. */
const MAX_HEAD_BYTES = 16 * 1024;
/** A chunk-size line, extensions included: far more than a size needs. */
const MAX_CHUNK_LINE_BYTES = 1024;
/** TCP keep-alive probes on an open socket, as node:http's keep-alive agent sets them. */
const TCP_KEEPALIVE_MS = 1000;
// The head is printable ASCII (and tabs in values), as node:http requires of it: a CR, LF or NUL would split
// it, and a character past U+00FF would, as latin1, be written as its low byte, which may be a CR or LF.
/** A header name: an RFC 9110 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What a header value may not hold. */
const NOT_IN_VALUE = /[^\t\x20-\x7e]/;
/**
 * What an answer's header value (read as latin1) may not hold: a control character other than a tab (a
 * bare CR or LF, a NUL) or DEL, as node:http refuses them; bytes from 0x80 (obs-text) pass. The status
 * line's reason phrase is not read, and node:http lets it hold them too.
 */
const CONTROL_IN_ANSWER = /[^\t\x20-\x7e\x80-\xff]/;
/** A path: a slash, then visible ASCII (no space: it would end the request line). */
const PATH = /^\/[\x21-\x7e]*$/;

export function createKeepAliveHttp(origin: string, options: KeepAliveHttpOptions): KeepAliveHttp {
  const url = new URL(origin);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`keep-alive HTTP: ${url.href} is not an http: or https: URL`);
  const { maxSockets, timeoutMs } = options;
  if (!(Number.isInteger(maxSockets) && maxSockets >= 1) && maxSockets !== Number.POSITIVE_INFINITY) throw new Error(`keep-alive HTTP: maxSockets must be a positive integer, not ${maxSockets}`);
  if (!(Number.isInteger(timeoutMs) && timeoutMs >= 1)) throw new Error(`keep-alive HTTP: timeoutMs must be a positive integer, not ${timeoutMs}`);
  const maxAnswerBytes = options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  const secure = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[|\]$/g, ''); // [::1] → ::1
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  const servername = net.isIP(host) ? undefined : host; // SNI takes names only

  const idle: Connection[] = [];
  const waiting = new Fifo<Job>();
  const connections = new Set<Connection>();
  /** The last TLS session the peer gave: a new socket resumes it (no full handshake), as node:https's agent does. */
  let tlsSession: Buffer | undefined;

  function connectTls(): tls.TLSSocket {
    const socket = tls.connect({ host, port, ...(servername ? { servername } : {}), ...(tlsSession ? { session: tlsSession } : {}), ALPNProtocols: ['http/1.1'] });
    socket.on('session', (session: Buffer) => (tlsSession = session));
    return socket;
  }

  function connect(): Connection {
    const socket = secure ? connectTls() : net.connect({ host, port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
    const connection: Connection = { socket, job: undefined, reader: undefined, closed: false };
    connections.add(connection);
    socket.on('data', (chunk: Buffer) => read(connection, chunk));
    socket.on('timeout', () => fail(connection, new ResponseTimeout(timeoutMs, url.host)));
    socket.on('error', (error: Error) => fail(connection, error));
    socket.on('end', () => peerEnded(connection));
    socket.on('close', () => closed(connection));
    return connection;
  }

  function start(connection: Connection, job: Job): void {
    connection.job = job;
    connection.reader = new AnswerReader(maxAnswerBytes);
    connection.socket.ref();
    connection.socket.setTimeout(timeoutMs);
    connection.socket.write(job.bytes, job.encoding);
  }

  function dispatch(job: Job): void {
    const connection = idle.pop(); // the most recently used: fewer sockets stay warm
    if (connection) start(connection, job);
    else if (connections.size < maxSockets) start(connect(), job);
    else waiting.push(job);
  }

  function read(connection: Connection, chunk: Buffer): void {
    const { job, reader } = connection;
    // Bytes nobody asked for: the socket's state is unknown, so it is not used again.
    if (!job || !reader) return retire(connection);
    let whole: ReadAnswer | undefined;
    try {
      whole = reader.push(chunk);
    } catch (error) {
      return fail(connection, error instanceof Error ? error : new HttpProtocolError(String(error)));
    }
    if (!whole) return;
    connection.job = undefined;
    connection.reader = undefined;
    if (whole.reusable && whole.rest.length === 0) release(connection);
    else retire(connection);
    job.resolve(whole.answer);
  }

  /** The peer closed its side: the end of an answer read to the close, or a hang-up. */
  function peerEnded(connection: Connection): void {
    const { job, reader } = connection;
    connection.job = undefined;
    connection.reader = undefined;
    retire(connection);
    if (!job || !reader) return;
    try {
      job.resolve(reader.end(url.host));
    } catch (error) {
      job.reject(error instanceof Error ? error : new SocketHangUp(url.host));
    }
  }

  function fail(connection: Connection, error: Error): void {
    const job = connection.job;
    connection.job = undefined;
    connection.reader = undefined;
    retire(connection);
    job?.reject(error);
  }

  function closed(connection: Connection): void {
    if (connection.closed) return;
    connection.closed = true;
    connections.delete(connection);
    removeIdle(connection);
    const job = connection.job;
    connection.job = undefined;
    job?.reject(new SocketHangUp(url.host));
    // A socket fewer: a waiting request may open one now.
    while (connections.size < maxSockets) {
      const next = waiting.shift();
      if (!next) break;
      start(connect(), next);
    }
  }

  function release(connection: Connection): void {
    const next = waiting.shift();
    if (next) return start(connection, next);
    connection.socket.setTimeout(0);
    connection.socket.unref(); // an idle socket keeps no process alive
    idle.push(connection);
  }

  function retire(connection: Connection): void {
    removeIdle(connection);
    connection.socket.destroy(); // 'close' follows: the count drops there
  }

  function removeIdle(connection: Connection): void {
    const index = idle.indexOf(connection);
    if (index >= 0) idle.splice(index, 1);
  }

  return {
    request(request) {
      let bytes: string;
      try {
        bytes = serialize(request);
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise<HttpAnswer>((resolve, reject) => dispatch({ bytes, encoding: request.encoding ?? 'utf8', resolve, reject }));
    },
    destroy() {
      for (const connection of [...connections]) fail(connection, new SocketHangUp(url.host));
    },
  };
}

interface Job {
  /** The head (ASCII) and the body, written in one piece. */
  bytes: string;
  encoding: 'latin1' | 'utf8';
  resolve(answer: HttpAnswer): void;
  reject(error: Error): void;
}

interface Connection {
  socket: net.Socket;
  /** The request whose answer is awaited, if any (one at a time). */
  job: Job | undefined;
  reader: AnswerReader | undefined;
  closed: boolean;
}

/** `METHOD path HTTP/1.1`, the headers, a blank line, the body. A character TOKEN, NOT_IN_VALUE or PATH does not allow is refused. */
function serialize({ method, path, headers, body }: HttpRequest): string {
  if (headers.length % 2 !== 0) throw new TypeError('keep-alive HTTP: headers must be name, value pairs');
  if (!PATH.test(path)) throw new TypeError(`keep-alive HTTP: invalid request path ${JSON.stringify(path)}`);
  let head = `${method} ${path} HTTP/1.1\r\n`;
  for (let index = 0; index < headers.length; index += 2) {
    const name = headers[index] as string;
    const value = headers[index + 1] as string;
    if (!TOKEN.test(name) || NOT_IN_VALUE.test(value)) throw new TypeError(`keep-alive HTTP: invalid character in header ${JSON.stringify(name)}`);
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n${body ?? ''}`;
}

interface ReadAnswer {
  answer: HttpAnswer;
  /** Whether the socket may carry another request (HTTP/1.1 without `Connection: close`, not read to the close). */
  reusable: boolean;
  /** Bytes after the answer: none are expected (nothing is pipelined). */
  rest: Buffer;
}

type ReaderState = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'to-close' | 'done';

/** One answer's bytes, as they arrive in any pieces, to status, headers and body. Exported for its tests. */
export class AnswerReader {
  private state: ReaderState = 'head';
  private pending: Buffer = Buffer.alloc(0);
  /** How far the head (or a chunk line) has been searched for its end. */
  private searched = 0;
  private received = 0;
  private status = 0;
  private headers = new Map<string, string>();
  private reusable = false;
  private remaining = 0;
  /** The trailer lines' bytes read so far. */
  private trailerBytes = 0;
  private readonly parts: Buffer[] = [];

  constructor(private readonly maxBytes: number) {}

  /** The answer once it is whole, or undefined for more bytes; throws an HttpProtocolError on a malformed or oversized one. */
  push(chunk: Buffer): ReadAnswer | undefined {
    this.received += chunk.length;
    if (this.received > this.maxBytes) throw new HttpProtocolError(`an answer of more than ${this.maxBytes} bytes`);
    this.pending = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      switch (this.state) {
        case 'head': {
          const end = this.pending.indexOf('\r\n\r\n', Math.max(0, this.searched - 3), 'latin1');
          if (end < 0) {
            // A head with a line ending in a bare LF would never end here: refused now, not at the limit or the timeout.
            for (let lf = this.pending.indexOf(0x0a, Math.max(0, this.searched - 3)); lf >= 0; lf = this.pending.indexOf(0x0a, lf + 1)) {
              if (this.pending[lf - 1] !== 0x0d) throw new HttpProtocolError('an answer head with a line ending in a bare LF');
            }
            // The end's CR LF CR LF may have begun in the last 3 bytes: refused only once no end could fit.
            if (this.pending.length - 3 > MAX_HEAD_BYTES) throw new HttpProtocolError(`an answer head of more than ${MAX_HEAD_BYTES} bytes`);
            this.searched = this.pending.length;
            return undefined;
          }
          if (end > MAX_HEAD_BYTES) throw new HttpProtocolError(`an answer head of more than ${MAX_HEAD_BYTES} bytes`);
          const head = this.pending.toString('latin1', 0, end);
          this.pending = this.pending.subarray(end + 4);
          this.searched = 0;
          this.readHead(head);
          break;
        }
        case 'length': {
          if (this.pending.length === 0) return undefined;
          const taken = this.take(this.remaining);
          this.remaining -= taken;
          if (this.remaining > 0) return undefined;
          this.state = 'done';
          break;
        }
        case 'chunk-size': {
          const end = this.pending.indexOf('\r\n', Math.max(0, this.searched - 1), 'latin1');
          // As for the head: the same limit whether the line came whole or in pieces (its CR may be the last byte).
          if (end < 0 ? this.pending.length - 1 > MAX_CHUNK_LINE_BYTES : end > MAX_CHUNK_LINE_BYTES) throw new HttpProtocolError('a chunk-size line too long');
          if (end < 0) {
            this.searched = this.pending.length;
            return undefined;
          }
          const line = this.pending.toString('latin1', 0, end);
          this.pending = this.pending.subarray(end + 2);
          this.searched = 0;
          const size = trimOws(line.split(';')[0] ?? '', 0);
          // Leading zeros are allowed (1*HEXDIG); past them, eight digits: 4 GiB, more than maxBytes may be.
          if (!/^0*[0-9a-fA-F]{1,8}$/.test(size)) throw new HttpProtocolError(`a chunk size of ${JSON.stringify(line.slice(0, 40))}`);
          this.remaining = Number.parseInt(size, 16);
          this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
          break;
        }
        case 'chunk-data': {
          if (this.pending.length === 0) return undefined;
          this.remaining -= this.take(this.remaining);
          if (this.remaining > 0) return undefined;
          this.state = 'chunk-end';
          break;
        }
        case 'chunk-end': {
          if (this.pending.length < 2) return undefined;
          if (this.pending[0] !== 0x0d || this.pending[1] !== 0x0a) throw new HttpProtocolError('a chunk not followed by CRLF');
          this.pending = this.pending.subarray(2);
          this.state = 'chunk-size';
          break;
        }
        case 'trailers': {
          // Held to a head's limit, as node:http holds them: else up to maxBytes of them, copied chunk after chunk.
          const end = this.pending.indexOf('\r\n', Math.max(0, this.searched - 1), 'latin1');
          if (this.trailerBytes + (end < 0 ? this.pending.length : end + 2) > MAX_HEAD_BYTES) throw new HttpProtocolError(`trailers of more than ${MAX_HEAD_BYTES} bytes`);
          if (end < 0) {
            this.searched = this.pending.length;
            return undefined;
          }
          this.trailerBytes += end + 2;
          this.pending = this.pending.subarray(end + 2);
          this.searched = 0;
          if (end === 0) this.state = 'done'; // the blank line after the trailers (read and dropped)
          break;
        }
        case 'to-close': {
          if (this.pending.length > 0) this.take(this.pending.length);
          return undefined;
        }
        case 'done':
          return { answer: this.answer(), reusable: this.reusable, rest: this.pending };
      }
    }
  }

  /** The peer closed: the answer if it was read to the close, else a SocketHangUp. */
  end(host: string): HttpAnswer {
    if (this.state === 'to-close') return this.answer();
    throw new SocketHangUp(host);
  }

  private take(most: number): number {
    const count = Math.min(most, this.pending.length);
    this.parts.push(this.pending.subarray(0, count));
    this.pending = this.pending.subarray(count);
    return count;
  }

  private answer(): HttpAnswer {
    return { status: this.status, headers: this.headers, body: this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts) };
  }

  /** Status line and headers; then how the body is framed (RFC 9112, section 6.3). */
  private readHead(head: string): void {
    const lines = head.split('\r\n');
    const statusLine = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: |$)/.exec(lines[0] ?? '');
    if (!statusLine) throw new HttpProtocolError(`not an HTTP/1.x status line: ${JSON.stringify((lines[0] ?? '').slice(0, 60))}`);
    const status = Number(statusLine[2]);
    const headers = new Map<string, string>();
    for (let index = 1; index < lines.length; index += 1) {
      const line = lines[index] as string;
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      if (colon <= 0 || !TOKEN.test(name)) throw new HttpProtocolError(`a malformed header line: ${JSON.stringify(line.slice(0, 60))}`);
      const value = trimOws(line, colon + 1);
      if (CONTROL_IN_ANSWER.test(value)) throw new HttpProtocolError(`a control character in the value of ${name}`);
      const before = headers.get(name);
      headers.set(name, before === undefined ? value : `${before}, ${value}`);
    }
    if (status < 200) {
      // An interim answer (100 Continue, 103 Early Hints): the real one follows. 101 would switch protocols: never asked for.
      if (status === 101) throw new HttpProtocolError('101 Switching Protocols, not asked for');
      return;
    }
    this.status = status;
    this.headers = headers;
    const connection = (headers.get('connection') ?? '').toLowerCase();
    this.reusable = statusLine[1] === '1' ? !/(^|,)\s*close\s*(,|$)/.test(connection) : /(^|,)\s*keep-alive\s*(,|$)/.test(connection);
    const transferEncoding = headers.get('transfer-encoding');
    const contentLength = headers.get('content-length');
    if (status === 204 || status === 304) {
      this.state = 'done';
    } else if (transferEncoding !== undefined) {
      const chunked = /(^|,)\s*chunked\s*$/i.test(transferEncoding);
      this.state = chunked ? 'chunk-size' : 'to-close';
      // With a Content-Length too, a peer (or a proxy) that framed it by that length sees another end: not reused.
      if (!chunked || contentLength !== undefined) this.reusable = false;
    } else if (contentLength !== undefined) {
      // `5, 5` (a repeated header) is one length; differing ones are refused.
      const lengths = new Set(contentLength.split(',').map((part) => part.trim()));
      const [length] = lengths;
      if (lengths.size !== 1 || length === undefined || !/^\d{1,15}$/.test(length)) throw new HttpProtocolError(`a Content-Length of ${JSON.stringify(contentLength.slice(0, 40))}`);
      this.remaining = Number(length);
      if (this.remaining > this.maxBytes) throw new HttpProtocolError(`an answer of more than ${this.maxBytes} bytes`);
      this.state = this.remaining === 0 ? 'done' : 'length';
    } else {
      this.state = 'to-close';
      this.reusable = false;
    }
  }
}

/** `line` from `start`, without the spaces and tabs around it (RFC 9110's OWS): String#trim would also drop a 0xA0 byte, a no-break space in latin1. */
function trimOws(line: string, start: number): string {
  let from = start;
  let to = line.length;
  while (from < to && isOws(line.charCodeAt(from))) from += 1;
  while (to > from && isOws(line.charCodeAt(to - 1))) to -= 1;
  return line.slice(from, to);
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
