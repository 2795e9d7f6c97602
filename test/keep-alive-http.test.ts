// functions/keep-alive-http.ts against real servers: node:http's, for what a well-behaved peer does, and
// scripted TCP servers, for the framings, closes, silences and malformed answers a peer may send. The
// answer reader is also fed every answer split at every byte, as the network may deliver it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AnswerReader, createKeepAliveHttp, HttpProtocolError, ResponseTimeout, type HttpAnswer, type KeepAliveHttp } from '../functions/keep-alive-http.ts';
import { certificateNames, ensureLocalCertificates, trustGatewayCa } from '../local/gateway/tls.ts';
import { closeNow, freePort, listenOn, listenOnLoopback, LOOPBACK } from '../local/listening.ts';
import { PROJECT_ROOT } from '../infra/bundling.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function pool(origin: string, options: { maxSockets?: number; timeoutMs?: number; maxAnswerBytes?: number } = {}): KeepAliveHttp {
  const http = createKeepAliveHttp(origin, { maxSockets: options.maxSockets ?? 4, timeoutMs: options.timeoutMs ?? 5000, ...(options.maxAnswerBytes ? { maxAnswerBytes: options.maxAnswerBytes } : {}) });
  cleanups.push(() => http.destroy());
  return http;
}

const post = (http: KeepAliveHttp, path = '/', body = 'hi') =>
  http.request({ method: 'POST', path, headers: ['host', 'peer', 'content-length', String(Buffer.byteLength(body))], body });

/** A node:http server that answers with `handle`, counting the sockets it was opened and how many were open at once. */
async function httpPeer(handle: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void = (_req, body, res) => res.end(body)) {
  const state = { sockets: 0, open: 0, mostOpen: 0 };
  const server = createHttpServer((req, res) => void buffer(req).then((body) => handle(req, body, res)));
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => {
    state.sockets += 1;
    state.open += 1;
    state.mostOpen = Math.max(state.mostOpen, state.open);
    socket.on('close', () => (state.open -= 1));
  });
  const origin = await listenOnLoopback(server);
  cleanups.push(() => closeNow(server));
  return { origin, state };
}

/** A TCP server that runs `script` on each connection: what it writes is the whole answer, byte for byte. */
async function scriptedPeer(script: (socket: Socket, requests: AsyncIterable<Buffer>) => void | Promise<void>) {
  let firstBytes = () => {};
  const state = { sockets: 0, received: [] as Buffer[], firstBytes: new Promise<void>((resolve) => (firstBytes = resolve)) };
  const live = new Set<Socket>();
  const server = createTcpServer((socket) => {
    state.sockets += 1;
    live.add(socket);
    socket.on('close', () => live.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      state.received.push(chunk);
      firstBytes();
    });
    // The pool closes sockets mid-script (that is what some tests are about): the script just stops.
    Promise.resolve(script(socket, socket)).catch(() => socket.destroy());
  });
  const origin = await listenOnLoopback(server);
  cleanups.push(() => {
    for (const socket of live) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { origin, state };
}

/** Answers every request (a head with no body, as GET sends) with `answer`; then, with `end`, closes its side. */
const answerEach = (answer: string, end = false) => async (socket: Socket) => {
  let seen = '';
  for await (const chunk of socket) {
    seen += String(chunk);
    while (seen.includes('\r\n\r\n')) {
      seen = seen.slice(seen.indexOf('\r\n\r\n') + 4);
      socket.write(answer);
      if (end) socket.end();
    }
  }
};

const get = (http: KeepAliveHttp) => http.request({ method: 'GET', path: '/', headers: ['host', 'peer'] });
const text = (answer: HttpAnswer) => answer.body.toString('utf8');

describe('a keep-alive pool, against node:http', () => {
  it('carries request after request on one socket, and sends the head and body it is given', async () => {
    const seen: { method: string; url: string; headers: string[]; body: string }[] = [];
    const peer = await httpPeer((req, body, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.rawHeaders, body: body.toString('utf8') });
      res.writeHead(201, { 'X-Amzn-RequestId': 'r-1', 'Set-Cookie': ['a=1', 'b=2'] }).end(`got ${body.length}`);
    });
    const http = pool(peer.origin);
    for (const body of ['héllo', 'again']) {
      const answer = await http.request({ method: 'POST', path: '/prod/@connections/a%3D', headers: ['host', 'peer', 'content-length', String(Buffer.byteLength(body))], body });
      expect(answer.status).toBe(201);
      expect(text(answer)).toBe(`got ${Buffer.byteLength(body)}`);
      expect(answer.headers.get('x-amzn-requestid')).toBe('r-1');
      expect(answer.headers.get('set-cookie')).toBe('a=1, b=2');
    }
    expect(seen).toEqual([
      { method: 'POST', url: '/prod/@connections/a%3D', headers: ['host', 'peer', 'content-length', '6'], body: 'héllo' },
      { method: 'POST', url: '/prod/@connections/a%3D', headers: ['host', 'peer', 'content-length', '5'], body: 'again' },
    ]);
    expect(peer.state.sockets).toBe(1);
  });

  it('writes a latin1 body as the bytes it carries', async () => {
    const bytes = Buffer.from([0x00, 0x7f, 0x80, 0xc3, 0xa9, 0xff]);
    const peer = await httpPeer((_req, body, res) => res.end(body.toString('hex')));
    const answer = await pool(peer.origin).request({ method: 'POST', path: '/', headers: ['host', 'peer', 'content-length', '6'], body: bytes.toString('latin1'), encoding: 'latin1' });
    expect(text(answer)).toBe(bytes.toString('hex'));
  });

  it('opens at most maxSockets sockets, and answers every request waiting for one', async () => {
    const peer = await httpPeer();
    const http = pool(peer.origin, { maxSockets: 3 });
    const bodies = Array.from({ length: 40 }, (_, index) => `request ${index}`);
    const answers = await Promise.all(bodies.map((body) => post(http, '/', body)));
    expect(answers.map(text)).toEqual(bodies);
    expect(peer.state.mostOpen).toBeLessThanOrEqual(3);
    expect(peer.state.sockets).toBeLessThanOrEqual(3);
  });

  it('sends waiting requests in the order they came', async () => {
    const order: string[] = [];
    const peer = await httpPeer((_req, body, res) => {
      order.push(body.toString());
      res.end();
    });
    const http = pool(peer.origin, { maxSockets: 1 });
    const bodies = Array.from({ length: 10 }, (_, index) => `request ${index}`);
    await Promise.all(bodies.map((body) => post(http, '/', body)));
    expect(order).toEqual(bodies);
  });

  it('reads a chunked answer, an empty one and a 204, and keeps the socket for the next', async () => {
    const peer = await httpPeer((req, _body, res) => {
      if (req.url === '/chunked') {
        res.write('one ');
        res.write('two ');
        res.end('three');
      } else if (req.url === '/empty') res.end();
      else res.writeHead(204).end();
    });
    const http = pool(peer.origin);
    expect(text(await http.request({ method: 'GET', path: '/chunked', headers: ['host', 'peer'] }))).toBe('one two three');
    expect((await http.request({ method: 'DELETE', path: '/empty', headers: ['host', 'peer'] })).body.length).toBe(0);
    expect((await http.request({ method: 'GET', path: '/none', headers: ['host', 'peer'] })).status).toBe(204);
    expect(peer.state.sockets).toBe(1);
  });

  it('keeps no process alive while its sockets are idle', async () => {
    const peer = await httpPeer();
    const script = `
      import { createKeepAliveHttp } from './functions/keep-alive-http.ts';
      const http = createKeepAliveHttp(${JSON.stringify(peer.origin)}, { maxSockets: 2, timeoutMs: 5000 });
      const answer = await http.request({ method: 'GET', path: '/', headers: ['host', 'peer'] });
      console.log('answered', answer.status);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const output = buffer(child.stdout);
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(String(await output)).toContain('answered 200');
    expect(code).toBe(0); // it exits by itself: the idle socket does not hold it
    expect(peer.state.sockets).toBe(1);
  });
});

describe('a keep-alive pool, against scripted peers', () => {
  it('opens a new socket after an answer that says Connection: close, and after one read to the close', async () => {
    const closing = await scriptedPeer(answerEach('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok'));
    const http = pool(closing.origin);
    expect(text(await get(http))).toBe('ok');
    expect(text(await get(http))).toBe('ok');
    expect(closing.state.sockets).toBe(2);

    const toClose = await scriptedPeer(answerEach('HTTP/1.1 200 OK\r\n\r\nthe whole body', true));
    const http2 = pool(toClose.origin);
    expect(text(await get(http2))).toBe('the whole body');
    expect(text(await get(http2))).toBe('the whole body');
    expect(toClose.state.sockets).toBe(2);
  });

  it('skips an interim 100 Continue, joins repeated headers, lower-cases names and drops trailers', async () => {
    const peer = await scriptedPeer(
      answerEach(
        'HTTP/1.1 100 Continue\r\n\r\n' +
          'HTTP/1.1 200 OK\r\nX-Thing: a\r\nx-thing:  b \r\nTransfer-Encoding: chunked\r\n\r\n' +
          '4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: dropped\r\n\r\n',
      ),
    );
    const http = pool(peer.origin);
    const answer = await get(http);
    expect(answer.status).toBe(200);
    expect(text(answer)).toBe('Wikipedia');
    expect(answer.headers.get('x-thing')).toBe('a, b');
    expect(answer.headers.has('x-trailer')).toBe(false);
    expect(text(await get(http))).toBe('Wikipedia');
    expect(peer.state.sockets).toBe(1);
  });

  it('fails a request whose peer stays silent with a ResponseTimeout, closes that socket, and carries on on a new one', async () => {
    let answered = 0;
    const peer = await scriptedPeer(async (socket) => {
      const first = answered === 0;
      answered += 1;
      if (first) return; // never answers
      await answerEach('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')(socket);
    });
    const http = pool(peer.origin, { maxSockets: 1, timeoutMs: 150 });
    const started = Date.now();
    const silent = await get(http).then(() => undefined, (error: unknown) => error);
    expect(silent).toBeInstanceOf(ResponseTimeout);
    expect(silent).toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(text(await get(http))).toBe('ok');
    expect(peer.state.sockets).toBe(2);
  });

  it('rejects a hang-up before the answer is whole with ECONNRESET, as node:http does', async () => {
    const peer = await scriptedPeer(async (socket) => {
      for await (const _chunk of socket) {
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf');
        return;
      }
    });
    await expect(get(pool(peer.origin))).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('recovers when the peer closes an idle socket: the next request goes out on a new one', async () => {
    const peer = await scriptedPeer(answerEach('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', true));
    const http = pool(peer.origin, { maxSockets: 1 });
    expect(text(await get(http))).toBe('ok'); // and the peer closes that socket after answering
    // The close may reach the pool before or after the next request is written (as with node:http's agent):
    // that request is answered on a new socket, or fails as a reset that callers retry; none hangs.
    const next = await get(http).then(text, (error: unknown) => error);
    if (next !== 'ok') expect(next).toMatchObject({ code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/) });
    expect(text(await get(http))).toBe('ok');
  });

  it('fails every waiting request when the peer cannot be reached, and none hangs', async () => {
    const http = pool(`http://${LOOPBACK}:${await freePort()}`, { maxSockets: 1 });
    const outcomes = await Promise.allSettled([get(http), get(http), get(http)]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const outcome of outcomes) expect(outcome).toMatchObject({ reason: { code: 'ECONNREFUSED' } });
  });

  it.each([
    ['a status line that is not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n'],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nbroken header\r\n\r\n'],
    ['a folded header line', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n'],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc'],
    ['a Content-Length that is not a number', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'],
    ['a chunk size that is not hexadecimal', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['a chunk size of more than 8 hexadecimal digits', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0100000000\r\n'],
    ['a chunk without its CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY'],
    ['101 Switching Protocols', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'],
    // As node:http: a control character splits or hides a header; a line ending in a bare LF never ends a head here.
    ['a bare CR in a header value', 'HTTP/1.1 200 OK\r\nX-A: 1\r2\r\nContent-Length: 0\r\n\r\n'],
    ['a bare LF in a header value', 'HTTP/1.1 200 OK\r\nX-A: 1\n2\r\nContent-Length: 0\r\n\r\n'],
    ['a NUL in a header value', 'HTTP/1.1 200 OK\r\nX-A: 1\u00002\r\nContent-Length: 0\r\n\r\n'],
    ['a head whose lines end in a bare LF', 'HTTP/1.1 200 OK\nContent-Length: 0\n\n'],
    ['a head whose last line ends in a bare LF', 'HTTP/1.1 200 OK\r\nContent-Length: 0\n\n'],
    ['a head ending in LF CR LF', 'HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n'],
    ['a head ending in CR LF LF', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n'],
    ['a bare LF after two good lines', 'HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B: 2\nContent-Length: 0\n\n'],
    ['a head of more than 16 KiB', `HTTP/1.1 200 OK\r\nX-Long: ${'a'.repeat(17 * 1024)}\r\n\r\n`],
    // As node:http (HPE_HEADER_OVERFLOW): trailers are held to a head's limit, in one line or in many.
    ['a trailer line of more than 16 KiB', `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-Long: ${'a'.repeat(17 * 1024)}\r\n\r\n`],
    ['trailers of more than 16 KiB', `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n${'X-T: 0123456789\r\n'.repeat(1100)}\r\n`],
  ])('refuses %s as an HttpProtocolError, and does not use that socket again', async (_what, answer) => {
    const peer = await scriptedPeer(answerEach(answer));
    const http = pool(peer.origin, { maxSockets: 1 });
    await expect(get(http)).rejects.toBeInstanceOf(HttpProtocolError);
    await expect(get(http)).rejects.toBeInstanceOf(HttpProtocolError);
    expect(peer.state.sockets).toBe(2);
  });

  it('refuses an answer over maxAnswerBytes, declared or streamed', async () => {
    const declared = await scriptedPeer(answerEach('HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n'));
    await expect(get(pool(declared.origin, { maxAnswerBytes: 1024 }))).rejects.toThrow(/more than 1024 bytes/);
    const streamed = await scriptedPeer(answerEach(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${`100\r\n${'x'.repeat(256)}\r\n`.repeat(8)}`));
    await expect(get(pool(streamed.origin, { maxAnswerBytes: 1024 }))).rejects.toThrow(/more than 1024 bytes/);
  });

  it('reads a reason phrase with control characters, as node:http does (it is not read)', async () => {
    const peer = await scriptedPeer(answerEach('HTTP/1.1 200 O\u0001K\u007f\r\nContent-Length: 0\r\n\r\n'));
    expect((await get(pool(peer.origin))).status).toBe(200);
  });

  it('keeps a tab and bytes from 0x80 (obs-text) in a header value, read as latin1', async () => {
    const peer = await scriptedPeer(answerEach('HTTP/1.1 200 OK\r\nX-A: caf\u00e9\tok\r\nContent-Length: 0\r\n\r\n'));
    const answer = await get(pool(peer.origin));
    expect(answer.headers.get('x-a')).toBe(Buffer.from('caf\u00e9\tok', 'utf8').toString('latin1'));
  });

  it('does not reuse a socket whose peer sent more than the answer', async () => {
    const peer = await scriptedPeer(answerEach('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'));
    const http = pool(peer.origin, { maxSockets: 1 });
    expect(text(await get(http))).toBe('ok');
    expect(text(await get(http))).toBe('ok');
    expect(peer.state.sockets).toBe(2);
  });

  it('refuses a head a CR or LF would split, before anything is sent', async () => {
    const peer = await scriptedPeer(answerEach('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    const http = pool(peer.origin);
    await expect(http.request({ method: 'GET', path: '/', headers: ['host', 'peer', 'x-a', 'b\r\nx-injected: 1'] })).rejects.toThrow(TypeError);
    await expect(http.request({ method: 'GET', path: '/a\r\nx-injected: 1', headers: ['host', 'peer'] })).rejects.toThrow(TypeError);
    await expect(http.request({ method: 'GET', path: '/', headers: ['host'] })).rejects.toThrow(TypeError);
    expect(peer.state.sockets).toBe(0);
  });

  it('refuses a head with a byte outside printable ASCII, which latin1 would write as a CR or LF, or a name that is not a token', async () => {
    const peer = await scriptedPeer(answerEach('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    const http = pool(peer.origin);
    const latin1 = (path: string, headers: string[]) => http.request({ method: 'GET', path, headers, encoding: 'latin1' });
    // U+010D and U+010A are written by latin1 as their low byte: 0x0D 0x0A.
    await expect(latin1('/', ['host', 'peer', 'x-a', 'b\u010d\u010ax-injected: 1'])).rejects.toThrow(TypeError);
    await expect(latin1('/a\u010d\u010ax-injected: 1', ['host', 'peer'])).rejects.toThrow(TypeError);
    await expect(latin1('/', ['host', 'peer', 'x-a\u010d\u010ax-injected', '1'])).rejects.toThrow(TypeError);
    // As node:http refuses them: a space in the path, a control byte in a value, a name that is not a token.
    await expect(latin1('/a b', ['host', 'peer'])).rejects.toThrow(TypeError);
    await expect(latin1('/', ['host', 'peer', 'x-a', 'b\u0001'])).rejects.toThrow(TypeError);
    await expect(latin1('/', ['host', 'peer', 'x a', 'b'])).rejects.toThrow(TypeError);
    await expect(latin1('/', ['host', 'peer', '', 'b'])).rejects.toThrow(TypeError);
    expect(peer.state.sockets).toBe(0);
    // What the peers are sent stays allowed: a tab or spaces in a value, an empty value, every token character.
    expect((await latin1('/p%3D?q=1', ['host', 'peer', "x-!#$%&'*+.^_`|~09", 'a\tb  c', 'x-empty', ''])).status).toBe(200);
  });

  it('fails the requests in flight on destroy(), and opens new sockets after it', async () => {
    let connections = 0;
    const peer = await scriptedPeer(async (socket) => {
      connections += 1;
      if (connections > 1) await answerEach('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')(socket);
    });
    const http = pool(peer.origin, { maxSockets: 1 });
    const stuck = get(http);
    await peer.state.firstBytes; // destroy() once the request is out
    http.destroy();
    await expect(stuck).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(text(await get(http))).toBe('ok');
  });

  it('checks its options, naming the one that is wrong', () => {
    expect(() => createKeepAliveHttp('ftp://peer', { maxSockets: 1, timeoutMs: 1 })).toThrow(/not an http: or https: URL/);
    expect(() => createKeepAliveHttp('http://peer', { maxSockets: 0, timeoutMs: 1 })).toThrow(/maxSockets/);
    expect(() => createKeepAliveHttp('http://peer', { maxSockets: 1, timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});

describe('a keep-alive pool over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wschat-keep-alive-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("verifies the peer's certificate, and trusts the local gateway's CA where the gateway does", async () => {
    const names = certificateNames(LOOPBACK);
    const certificates = await ensureLocalCertificates(dir, names);
    const server = createHttpsServer({ key: certificates.keyPem, cert: certificates.certPem }, (_req, res) => res.end('secret'));
    const resumed: boolean[] = [];
    server.on('secureConnection', (socket: TLSSocket) => resumed.push(socket.isSessionReused()));
    const port = await listenOn(server, 0, LOOPBACK);
    cleanups.push(() => closeNow(server));
    const origin = `https://${LOOPBACK}:${port}`;

    await expect(get(pool(origin))).rejects.toMatchObject({ code: expect.stringMatching(/CERT|SIGNATURE|SELF_SIGNED|ISSUER/) });

    cleanups.push(trustGatewayCa({ port, names, caPem: certificates.caPem, apiId: 'keepalivetest', host: LOOPBACK }));
    const http = pool(origin);
    expect(text(await get(http))).toBe('secret');
    resumed.length = 0;
    // Two at once: the first socket carries one, a second socket opens for the other and resumes its session.
    expect((await Promise.all([get(http), get(http)])).map(text)).toEqual(['secret', 'secret']);
    expect(resumed).toEqual([true]);
  });
});

describe('the wait queue', () => {
  it('keeps no slot for what it handed out, though it never empties (requests keep coming while one waits)', async () => {
    // In a child with --expose-gc, to weigh the heap: a million requests through a queue never empty.
    const script = `
      import { Fifo } from './functions/fifo.ts';
      const queue = new Fifo();
      queue.push(0);
      gc();
      const before = process.memoryUsage().heapUsed;
      for (let index = 1; index <= 1_000_000; index += 1) {
        queue.push(index);
        if (queue.shift() !== index - 1) throw new Error('out of order at ' + index);
      }
      gc();
      console.log(process.memoryUsage().heapUsed - before, queue.shift(), queue.shift());
    `;
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const output = buffer(child.stdout);
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    const [grown, held, after] = String(await output).trim().split(' ');
    expect([held, after]).toEqual(['1000000', 'undefined']); // in order, the last one still there, then none
    expect(Number(grown)).toBeLessThan(1024 * 1024); // a slot a request (8 bytes) would be 8 MB
  });
});

describe('the answer reader', () => {
  const answers: [string, { status: number; body: string; reusable: boolean }][] = [
    ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', { status: 200, body: 'hello', reusable: true }],
    ['HTTP/1.1 410 Gone\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}', { status: 410, body: '{}', reusable: false }],
    ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n', { status: 204, body: '', reusable: true }],
    ['HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx', { status: 200, body: 'x', reusable: false }],
    ['HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx', { status: 200, body: 'x', reusable: true }],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', { status: 200, body: 'abc', reusable: true }],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nA: b\r\n\r\n', { status: 200, body: 'abcdefghijklmnopqrstuvwxyz', reusable: true }],
    // Both framings (a sign of response splitting, RFC 9112 section 6.3; node:http refuses it): read as chunked, the socket not kept.
    ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n', { status: 200, body: 'a', reusable: false }],
    // Leading zeros (RFC 9112's chunk-size is 1*HEXDIG; node:http reads these too), more than eight of them.
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n000000001A\r\nabcdefghijklmnopqrstuvwxyz\r\n0000000000\r\n\r\n', { status: 200, body: 'abcdefghijklmnopqrstuvwxyz', reusable: true }],
  ];

  it.each(answers)('reads %j whole, however the bytes are split', (raw, expected) => {
    const bytes = Buffer.from(raw, 'latin1');
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      for (const pieces of [[bytes.subarray(0, cut), bytes.subarray(cut)], [...bytes].map((byte) => Buffer.from([byte]))]) {
        const reader = new AnswerReader(1024 * 1024);
        let read;
        for (const piece of pieces) read ??= reader.push(piece);
        expect(read, `cut at ${cut}`).toBeDefined();
        expect({ status: read?.answer.status, body: read?.answer.body.toString('latin1'), reusable: read?.reusable }).toEqual(expected);
        expect(read?.rest.length).toBe(0);
      }
    }
  });

  it('holds a head to 16 KiB and a chunk-size line to 1 KiB however the bytes are split, and refuses one byte more', () => {
    const head = (size: number) => {
      const start = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Pad: ';
      return `${start}${'p'.repeat(size - start.length)}\r\n\r\n1\r\na\r\n0\r\n\r\n`;
    };
    const chunkLine = (size: number) => `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;x=${'e'.repeat(size - 4)}\r\na\r\n0\r\n\r\n`;
    const outcome = (raw: string, pieces: number) => {
      const bytes = Buffer.from(raw, 'latin1');
      const reader = new AnswerReader(1024 * 1024);
      try {
        let read;
        for (let at = 0; at < bytes.length && !read; at += pieces) read = reader.push(bytes.subarray(at, at + pieces));
        return read?.answer.body.toString('latin1');
      } catch (error) {
        return error instanceof HttpProtocolError ? 'refused' : error;
      }
    };
    for (const pieces of [Number.POSITIVE_INFINITY, 1, 2, 3, 1000]) {
      expect(outcome(head(16 * 1024), pieces), `a head of 16 KiB in pieces of ${pieces}`).toBe('a');
      expect(outcome(head(16 * 1024 + 1), pieces), `a head of 16 KiB + 1 in pieces of ${pieces}`).toBe('refused');
      expect(outcome(chunkLine(1024), pieces), `a chunk line of 1 KiB in pieces of ${pieces}`).toBe('a');
      expect(outcome(chunkLine(1025), pieces), `a chunk line of 1 KiB + 1 in pieces of ${pieces}`).toBe('refused');
    }
  });

  it("trims only spaces and tabs around a header's value, as node:http does: a no-break space (0xA0) is the value's", () => {
    const read = new AnswerReader(1024).push(Buffer.from('HTTP/1.1 200 OK\r\nX-A: \t\xa0a b\xa0 \t\r\nX-B:\xa0\r\nX-C: \t \r\nContent-Length: 0\r\n\r\n', 'latin1'));
    expect(read?.answer.headers.get('x-a')).toBe('\xa0a b\xa0');
    expect(read?.answer.headers.get('x-b')).toBe('\xa0');
    expect(read?.answer.headers.get('x-c')).toBe('');
  });

  it('takes an answer with no length to the close, and calls a close before the end of any other a hang-up', () => {
    const toClose = new AnswerReader(1024);
    expect(toClose.push(Buffer.from('HTTP/1.1 200 OK\r\n\r\nbody, then'))).toBeUndefined();
    expect(toClose.push(Buffer.from(' more'))).toBeUndefined();
    expect(toClose.end('peer').body.toString()).toBe('body, then more');

    const cut = new AnswerReader(1024);
    expect(cut.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhalf'))).toBeUndefined();
    expect(() => cut.end('peer')).toThrow(/socket hang up/);
  });
});
