// Wiring: one HTTP server carries both the WebSocket endpoint (/ or /{stage}) and the @connections API.
// $connect runs inside the upgrade (ws's async verifyClient), so the connection exists only once it
// returns 2xx; messages are routed, throttled as the stage would, and invoked concurrently, as separate
// Lambda invocations are, through a fair admission queue (admission.ts) so no connection starves another.
import { createServer, STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { FairAdmission } from './admission.ts';
import { GatewayConnection, type ConnectionEnd } from './connection.ts';
import { createConnectionsApi } from './connections-api.ts';
import { buildConnectEvent, buildDisconnectEvent, buildMessageEvent, type ApiFacts, type ConnectionFacts } from './lambda-events.ts';
import { awsStyleId } from './ids.ts';
import { withFunctionEnvironment, useFunctionEnvironments } from './function-env.ts';
import { invokeHandler, type InvocationOutcome } from './invoke.ts';
import { describeError, formatEventLine, type EventLogFields } from './event-log.ts';
import { resolveOptions } from './options.ts';
import { chooseRoute } from './route-selection.ts';
import { createStaticFiles } from './static-files.ts';
import { routeThrottle } from './throttle.ts';
import { certificateNames, ensureLocalCertificates, trustGatewayCa, type LocalCertificates } from './tls.ts';
import type { HandlerSource } from './module-loader.ts';
import { listenOn, portOf } from '../listening.ts';
import type { GatewayAuthorizerEvent, GatewayEvent, LocalGateway, LocalGatewayOptions } from './types.ts';

interface PendingUpgrade {
  facts: ConnectionFacts;
  /** Sec-WebSocket-Protocol returned by $connect, echoed in the 101 response. */
  protocol?: string;
  /** $connect accepted the handshake: from here on the backend holds state for this connection. */
  accepted?: boolean;
  /** $disconnect has been started for a connection that never opened. */
  ended?: boolean;
}

/** The frame AWS sends for an unroutable message ("Forbidden") or a failed integration. */
function awsErrorFrame(message: string, connectionId: string, requestId: string): string {
  return `{"message": "${message}", "connectionId":"${connectionId}", "requestId":"${requestId}"}`;
}

const SHUTDOWN_CLOSE_GRACE_MS = 500;
/** The authorizer's methodArn needs a region and an account; these say it is no AWS one. */
const LOCAL_ARN_REGION = 'local';
const LOCAL_ARN_ACCOUNT = '000000000000';

export async function startLocalGateway(options: LocalGatewayOptions): Promise<LocalGateway> {
  const config = resolveOptions(options);
  const { handlers, limits, log } = config;
  const routeKeys: ReadonlySet<string> = new Set(handlers.keys());
  const connections = new Map<string, GatewayConnection>();
  const pendingUpgrades = new WeakMap<IncomingMessage, PendingUpgrade>();
  /** Upgrade sockets whose $connect has not finished. */
  const connectingSockets = new Set<Duplex>();
  /** Every upgrade socket not yet closed. */
  const sockets = new Set<Duplex>();
  const invocations = new Set<Promise<InvocationOutcome>>();
  const throttleAllows = routeThrottle(config.throttle);
  const admission = new FairAdmission(config.admission, {
    pause: (connectionId) => connections.get(connectionId)?.pauseReading(),
    resume: (connectionId) => connections.get(connectionId)?.resumeReading(),
  });
  let shuttingDown = false;
  let closed: Promise<void> | undefined;
  // process.env answers per function only while a gateway has functions with their own environment.
  const releaseEnvironments = [...handlers.values(), ...(config.authorizer ? [config.authorizer.source] : [])].some((source) => source.environment)
    ? useFunctionEnvironments()
    : undefined;

  async function invoke(
    routeKey: string,
    event: GatewayEvent | GatewayAuthorizerEvent,
    source: HandlerSource | undefined = handlers.get(routeKey),
  ): Promise<{ outcome: InvocationOutcome; durationMs: number }> {
    const started = performance.now();
    const run = (async (): Promise<InvocationOutcome> => {
      if (!source) return { kind: 'threw', error: new Error(`no integration for ${routeKey}`) };
      // The function's own environment, if it has one, from its module's load through its last callback.
      return withFunctionEnvironment(source.environment, async (): Promise<InvocationOutcome> => {
        try {
          return await invokeHandler(await source.load(), event, source.functionName, limits.handlerTimeoutMs);
        } catch (error) {
          return { kind: 'threw', error }; // the module failed to load
        }
      });
    })();
    invocations.add(run);
    void run.then(() => invocations.delete(run));
    const outcome = await run;
    return { outcome, durationMs: performance.now() - started };
  }

  function logEvent(fields: EventLogFields, outcome?: InvocationOutcome): void {
    if (!log) return;
    if (outcome) {
      fields.status = outcome.kind === 'returned' ? (outcome.result?.statusCode ?? 'ok') : outcome.kind === 'threw' ? 'error' : 'timeout';
    }
    log(formatEventLine(fields));
    if (outcome?.kind === 'threw') log(describeError(outcome.error).replace(/^/gm, '    '));
  }

  // --- $connect, inside the upgrade --------------------------------------------------------------
  async function runConnect(req: IncomingMessage, accept: (ok: boolean, code?: number, message?: string, headers?: OutgoingHttpHeaders) => void) {
    const now = Date.now();
    const facts: ConnectionFacts = {
      connectionId: awsStyleId(),
      connectedAt: now,
      sourceIp: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      userAgent: req.headers['user-agent'] ?? '',
    };
    const pending: PendingUpgrade = { facts };
    pendingUpgrades.set(req, pending);
    const logFields: EventLogFields = { eventType: 'CONNECT', routeKey: '$connect', connectionId: facts.connectionId, status: 200 };

    if (!handlers.has('$connect')) {
      // The $connect integration is optional in AWS: without one every handshake is accepted.
      if (shuttingDown) return accept(false, 503);
      logEvent({ ...logFields, detail: 'no $connect integration' });
      return accept(true);
    }
    if (!throttleAllows('$connect')) {
      logEvent({ ...logFields, status: 429, detail: 'throttled' });
      return accept(false, 429, '{"message":"Too Many Requests"}', { 'Content-Type': 'application/json' });
    }
    const event = buildConnectEvent(api, facts, { rawHeaders: req.rawHeaders, url: req.url ?? '/', port }, now);
    if (config.authorizer) {
      // Before $connect, as on AWS: a refused handshake never reaches the integration.
      const started = performance.now();
      const runAuthorizer = async (source: HandlerSource, authorizerEvent: GatewayAuthorizerEvent) => (await invoke('$connect authorizer', authorizerEvent, source)).outcome;
      const verdict = await config.authorizer.authorize(event, methodArn, runAuthorizer);
      if (!verdict.allowed) {
        logEvent({ ...logFields, status: verdict.status, durationMs: performance.now() - started, detail: verdict.detail });
        return accept(false, verdict.status, verdict.body, { 'Content-Type': 'application/json' });
      }
      // Each event its own copy: a handler that changes its event changes no other's.
      facts.authorizer = verdict.context;
      event.requestContext.authorizer = { ...verdict.context };
    }
    const { outcome, durationMs } = await invoke('$connect', event);
    logFields.durationMs = durationMs;
    if (outcome.kind === 'threw') {
      logEvent(logFields, outcome);
      return accept(false, 502, '{"message": "Internal server error"}', { 'Content-Type': 'application/json' });
    }
    if (outcome.kind === 'timedOut') {
      logEvent(logFields, outcome);
      return accept(false, 504, '{"message": "Endpoint request timed out"}', { 'Content-Type': 'application/json' });
    }
    const result = outcome.result;
    const status = result?.statusCode ?? 200;
    if (shuttingDown) {
      logEvent({ ...logFields, status: 503, detail: 'gateway closing' });
      return accept(false, 503);
    }
    if (status < 200 || status > 299) {
      logEvent({ ...logFields, status });
      // A status that cannot be an HTTP refusal is a malformed proxy response, which AWS answers with 502.
      const validStatus = STATUS_CODES[status] && status >= 300 ? status : 502;
      return accept(false, validStatus, result?.body ?? STATUS_CODES[validStatus], passThroughHeaders(result?.headers));
    }
    pending.protocol = headerValue(result?.headers, 'sec-websocket-protocol');
    logEvent({ ...logFields, status });
    if (req.socket.destroyed) return endUnopened(req, pending); // the client left while $connect ran
    pending.accepted = true;
    accept(true);
  }

  /**
   * A connection whose $connect succeeded but whose socket closed before the handshake completed.
   * AWS documents nothing for this case beyond "$disconnect runs after the connection is closed"; the
   * backend accepted it (and may hold state for it), so it gets the $disconnect any other close gets,
   * as an abnormal closure (1006): no state may outlive a socket that never opened.
   */
  function endUnopened(req: IncomingMessage, pending: PendingUpgrade): void {
    if (pending.ended) return;
    pending.ended = true;
    pendingUpgrades.delete(req);
    const logFields: EventLogFields = {
      eventType: 'DISCONNECT',
      routeKey: '$disconnect',
      connectionId: pending.facts.connectionId,
      status: '-',
      detail: '1006 closed during $connect',
    };
    if (!handlers.has('$disconnect')) return logEvent({ ...logFields, detail: `${logFields.detail} (no $disconnect integration)` });
    const event = buildDisconnectEvent(api, pending.facts, 1006, '', Date.now());
    void invoke('$disconnect', event).then(({ outcome, durationMs }) => logEvent({ ...logFields, durationMs }, outcome));
  }

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false, // API Gateway negotiates no extensions
    maxPayload: limits.messageBytes,
    // A gateway bug in one handshake refuses that handshake; unhandled, the rejection would end the process.
    verifyClient: ({ req }, accept) =>
      void runConnect(req, accept).catch((error: unknown) => {
        accept(false, 500);
        log?.(describeError(error));
      }),
    handleProtocols: (_offered, req) => pendingUpgrades.get(req)?.protocol ?? false,
  });

  function openConnection(socket: WebSocket, req: IncomingMessage): void {
    connectingSockets.delete(req.socket);
    const pending = pendingUpgrades.get(req);
    pendingUpgrades.delete(req);
    if (!pending || shuttingDown) return void socket.terminate();
    const connection = new GatewayConnection(pending.facts, socket, req.socket, limits, { onMessage, onEnd });
    connections.set(connection.connectionId, connection);
  }

  // --- messages --------------------------------------------------------------------------------------
  function onMessage(connection: GatewayConnection, text: string): void {
    const routeKey = chooseRoute(config.evaluateRouteKey(text), routeKeys);
    if (routeKey === undefined) {
      // No matching route and no $default: AWS answers with this frame and invokes nothing.
      connection.sendText(awsErrorFrame('Forbidden', connection.connectionId, awsStyleId()));
      logEvent({ eventType: 'MESSAGE', routeKey: '(no route)', connectionId: connection.connectionId, status: 'Forbidden' });
      return;
    }
    if (!throttleAllows(routeKey)) {
      // Over the stage's route throttle: refused at the door, as API Gateway does, with no invocation.
      connection.sendText(awsErrorFrame('Too Many Requests', connection.connectionId, awsStyleId()));
      logEvent({ eventType: 'MESSAGE', routeKey, connectionId: connection.connectionId, status: 429, detail: 'throttled' });
      return;
    }
    // Built on arrival, so requestTime is when the gateway received the frame, however long it queues.
    const event = buildMessageEvent(api, connection, routeKey, text, Date.now());
    admission.submit(connection.connectionId, () =>
      invoke(routeKey, event).then(({ outcome, durationMs }) => {
        if (outcome.kind !== 'returned') {
          connection.sendText(awsErrorFrame('Internal server error', connection.connectionId, event.requestContext.requestId));
        } else if (config.routeResponses.has(routeKey) && outcome.result?.body !== undefined) {
          connection.sendText(outcome.result.body);
        }
        logEvent({ eventType: 'MESSAGE', routeKey, connectionId: connection.connectionId, status: '', durationMs }, outcome);
      }),
    );
  }

  /** Until nothing runs and nothing waits for admission (a finished invocation may start a queued one). */
  async function settleInvocations(): Promise<void> {
    while (invocations.size || admission.queued) {
      if (invocations.size) await Promise.all([...invocations]);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  // --- $disconnect ------------------------------------------------------------------------------------
  function onEnd(connection: GatewayConnection, end: ConnectionEnd): void {
    connections.delete(connection.connectionId);
    const logFields: EventLogFields = {
      eventType: 'DISCONNECT',
      routeKey: '$disconnect',
      connectionId: connection.connectionId,
      status: '-',
      detail: `${end.code} ${end.cause}`,
    };
    if (end.cause === 'dropped') return logEvent({ ...logFields, detail: `${logFields.detail} (no $disconnect)` });
    if (!handlers.has('$disconnect')) return logEvent({ ...logFields, detail: `${logFields.detail} (no $disconnect integration)` });
    const event = buildDisconnectEvent(api, connection, end.code, end.reason, Date.now());
    void invoke('$disconnect', event).then(({ outcome, durationMs }) => logEvent({ ...logFields, durationMs }, outcome));
  }

  // --- HTTP server -----------------------------------------------------------------------------------
  const connectionsApi = createConnectionsApi({ stage: config.stage, connections, limits, faults: config.faults });
  const staticFiles = config.staticDir === undefined ? undefined : createStaticFiles(config.staticDir);
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    // A plain GET on the WebSocket URL: AWS answers 426. With static files, a file there wins (the
    // browser client's index.html at /), so only a GET that finds none gets the 426.
    if ((req.method === 'GET' || req.method === 'HEAD') && isWebSocketPath(req.url ?? '/', config.stage)) {
      if (!staticFiles?.(req, res, upgradeRequired)) upgradeRequired(res);
      return;
    }
    if (!staticFiles?.(req, res)) connectionsApi(req, res);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (shuttingDown) return rejectUpgrade(socket, 503, '{"message":"Service Unavailable"}');
    if (!isWebSocketPath(req.url ?? '/', config.stage)) return rejectUpgrade(socket, 403, '{"message":"Forbidden"}');
    sockets.add(socket);
    connectingSockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      connectingSockets.delete(socket);
      // Accepted by $connect but closed before the upgrade completed (opening removes the entry).
      const pending = pendingUpgrades.get(req);
      if (pending?.accepted) endUnopened(req, pending);
    });
    wss.handleUpgrade(req, socket, head, (ws) => openConnection(ws, req));
  };

  let certificates: LocalCertificates | undefined;
  let releaseTrust: (() => void) | undefined;
  const names = certificateNames(config.host);
  const plain = createServer(onRequest);
  let secure: HttpsServer | undefined;
  let listener: NetServer;
  /** TCP connections not yet handed to the plain or the TLS server (their first byte has not come). */
  const undecided = new Set<Socket>();
  try {
    if (config.tlsDir !== undefined) {
      certificates = await ensureLocalCertificates(config.tlsDir, names);
      secure = createHttpsServer({ key: certificates.keyPem, cert: certificates.certPem }, onRequest);
    }
    for (const server of secure ? [plain, secure] : [plain]) {
      // Longer than SDK clients keep idle sockets in practice, so keep-alive reuse rarely meets a closed socket.
      server.keepAliveTimeout = 60_000;
      server.headersTimeout = 65_000;
      server.on('upgrade', onUpgrade);
    }
    // One port for both: a TLS connection starts with a handshake record (first byte 0x16), which no
    // HTTP request does. The byte is read, put back, and the socket handed to the server that speaks it.
    listener = createNetServer((socket) => {
      undecided.add(socket);
      const silent = () => socket.destroy(); // a client that never sends a byte
      const failed = () => socket.destroy();
      socket.setTimeout(plain.headersTimeout, silent);
      socket.once('close', () => undecided.delete(socket));
      socket.on('error', failed);
      const peek = (): void => {
        // read(1), not a 'data' listener: it leaves the socket paused, so with the byte put back the
        // HTTP parser and the TLS layer each read the stream from its start.
        const first: unknown = socket.read(1);
        if (!Buffer.isBuffer(first)) return void socket.once('readable', peek);
        socket.unshift(first);
        undecided.delete(socket);
        socket.setTimeout(0);
        socket.off('timeout', silent);
        socket.off('error', failed);
        (secure && first[0] === 0x16 ? secure : plain).emit('connection', socket);
      };
      socket.once('readable', peek);
    });
    await listenOn(listener, config.port, config.host);
  } catch (error) {
    releaseEnvironments?.();
    throw error;
  }
  // The HTTP servers never listen themselves (the listener hands them sockets), but Node starts their
  // connection tracking on 'listening': without it closeAllConnections() and headersTimeout do nothing.
  for (const server of secure ? [plain, secure] : [plain]) server.emit('listening');
  // Handlers above only run once listening, when port and api (whose domain name has the port) exist.
  const port = portOf(listener);
  const host = urlHost(config.host);
  const api: ApiFacts = { apiId: config.apiId, stage: config.stage, domainName: `${host}:${port}` };
  const methodArn = `arn:aws:execute-api:${LOCAL_ARN_REGION}:${LOCAL_ARN_ACCOUNT}:${config.apiId}/${config.stage}/$connect`;
  // Handlers in this process reach https://${domainName}/${stage} with no setup of their own.
  if (certificates) releaseTrust = trustGatewayCa({ port, names, caPem: certificates.caPem, apiId: config.apiId, host: config.host });

  async function shutdown(): Promise<void> {
    shuttingDown = true;
    for (const socket of connectingSockets) socket.destroy();
    for (const connection of [...connections.values()]) connection.closeForShutdown();
    // $disconnect (and any message or $connect handler still running or queued) may call back into @connections.
    await settleInvocations();
    await closeSockets([...sockets], SHUTDOWN_CLOSE_GRACE_MS);
    wss.close();
    for (const socket of undecided) socket.destroy();
    const closing = new Promise<void>((resolve) => listener.close(() => resolve()));
    for (const server of secure ? [plain, secure] : [plain]) {
      server.closeAllConnections();
      server.close();
    }
    await closing;
    releaseTrust?.();
    releaseEnvironments?.();
  }

  return {
    url: `ws://${host}:${port}`,
    callbackUrl: `http://${host}:${port}/${config.stage}`,
    ...(certificates
      ? { secure: { url: `wss://${host}:${port}`, callbackUrl: `https://${host}:${port}/${config.stage}`, caPath: certificates.caPath, caPem: certificates.caPem } }
      : {}),
    port,
    connectionIds: () => [...connections.keys()],
    queuedMessages: () => admission.queued,
    dropConnection: (id) => connections.get(id)?.drop(),
    whenIdle: settleInvocations,
    close: () => (closed ??= shutdown()),
  };
}

function isWebSocketPath(url: string, stage: string): boolean {
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  return path === '/' || path === '' || path === `/${stage}` || path === `/${stage}/`;
}

const UPGRADE_REQUIRED_BODY = '{"message":"Upgrade Required"}';

/** 426 with the Upgrade header RFC 9110 requires, for HTTP requests on the WebSocket endpoint. */
function upgradeRequired(res: ServerResponse): void {
  res.writeHead(426, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(UPGRADE_REQUIRED_BODY),
    Upgrade: 'websocket',
    Connection: 'Upgrade',
  });
  res.end(res.req.method === 'HEAD' ? undefined : UPGRADE_REQUIRED_BODY);
}

function rejectUpgrade(socket: Duplex, status: number, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.once('finish', () => socket.destroy());
}

/** Gives sockets a moment to finish their close handshake, then destroys what is left. */
async function closeSockets(sockets: Duplex[], graceMs: number): Promise<void> {
  const open = sockets.filter((socket) => !socket.destroyed);
  if (open.length) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(open.map((socket) => new Promise((resolve) => socket.once('close', resolve)))),
      new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
  }
  for (const socket of sockets) socket.destroy();
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** Headers a refusing $connect returned, minus the ones that frame the HTTP response itself. */
function passThroughHeaders(headers: Record<string, string> | undefined): OutgoingHttpHeaders | undefined {
  if (!headers) return undefined;
  const framing = new Set(['content-length', 'connection', 'transfer-encoding', 'upgrade']);
  return Object.fromEntries(Object.entries(headers).filter(([key]) => !framing.has(key.toLowerCase())));
}
