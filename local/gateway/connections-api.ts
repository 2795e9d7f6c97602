// The @connections management API on the gateway's own port: POST (send), GET (describe), DELETE
// (close) /{stage}/@connections/{connection_id}, the stage prefix optional, the id URL-encoded. Error
// responses carry `x-amzn-ErrorType`, which the AWS SDK v3 maps to its exception classes by name.
// This is the benchmark's hot path: a Map lookup and a socket write per POST, nothing per connection.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayConnection } from './connection.ts';
import { isConnectionIdShape } from './ids.ts';
import type { GatewayFaults, GatewayLimits } from './types.ts';

export interface ConnectionsApiOptions {
  stage: string;
  connections: ReadonlyMap<string, GatewayConnection>;
  limits: GatewayLimits;
  faults: GatewayFaults | undefined;
}

type ErrorType = 'GoneException' | 'PayloadTooLargeException' | 'LimitExceededException' | 'ForbiddenException' | 'BadRequestException';

// Bodies as API Gateway sends them; a GoneException carries no message (SDK v3 reports "UnknownError").
const ERROR_BODIES: Record<ErrorType, string> = {
  GoneException: '{"message":null}',
  PayloadTooLargeException: '{"message":"Request Too Long"}',
  LimitExceededException: '{"message":"Too Many Requests"}',
  ForbiddenException: '{"message":"Forbidden"}',
  BadRequestException: '{"message":"Invalid connectionId"}',
};
const MISSING_TOKEN_BODY = '{"message":"Missing Authentication Token"}';
const STATUS: Record<ErrorType, number> = {
  GoneException: 410,
  PayloadTooLargeException: 413,
  LimitExceededException: 429,
  ForbiddenException: 403,
  BadRequestException: 400,
};

const CONNECTIONS_SEGMENT = '/@connections/';

export function createConnectionsApi(options: ConnectionsApiOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { connections, limits, faults } = options;
  const stagePrefix = `/${options.stage}`;
  const random = faults?.random ?? Math.random;
  const goneRate = faults?.postGoneRate ?? 0;
  const throttleRate = faults?.postThrottleRate ?? 0;
  const latencyMs = faults?.postLatencyMs ?? 0;

  /** The connection id named by the path, or the error a non-resource path gets. */
  function parsePath(url: string): { id: string } | { error: ErrorType; body?: string } {
    const queryAt = url.indexOf('?');
    let path = queryAt < 0 ? url : url.slice(0, queryAt);
    if (path.includes('%40')) path = path.replace(/%40connections\//i, '@connections/');
    const at = path.indexOf(CONNECTIONS_SEGMENT);
    const encodedId = at < 0 ? '' : path.slice(at + CONNECTIONS_SEGMENT.length);
    if (!encodedId || encodedId.includes('/')) return { error: 'ForbiddenException', body: MISSING_TOKEN_BODY };
    const prefix = path.slice(0, at);
    // A wrong stage is the classic symptom of an SDK or endpoint dropping/mangling the stage: AWS says 403.
    if (prefix !== '' && prefix !== stagePrefix) return { error: 'ForbiddenException' };
    let id: string;
    try {
      id = decodeURIComponent(encodedId);
    } catch {
      return { error: 'ForbiddenException' };
    }
    // AWS: 400 "Invalid connectionId: …" for an id not in its format, 410 only for a well-formed unknown one.
    if (!isConnectionIdShape(id)) return { error: 'BadRequestException', body: JSON.stringify({ message: `Invalid connectionId: ${id}` }) };
    return { id };
  }

  function handlePost(id: string, req: IncomingMessage, res: ServerResponse): void {
    const declared = Number(req.headers['content-length']);
    if (declared > limits.messageBytes) return sendError(res, 'PayloadTooLargeException');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limits.messageBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > limits.messageBytes) return sendError(res, 'PayloadTooLargeException');
      const forced = faults?.post?.(id);
      if (forced === 'gone') return sendError(res, 'GoneException');
      if (forced === 'throttled') return sendError(res, 'LimitExceededException');
      if (goneRate > 0 || throttleRate > 0) {
        const draw = random();
        if (draw < goneRate) return sendError(res, 'GoneException');
        if (draw < goneRate + throttleRate) return sendError(res, 'LimitExceededException');
      }
      const connection = connections.get(id);
      if (!connection?.isOpen) return sendError(res, 'GoneException');
      // AWS: "the WebSocket client side buffer is full".
      if (connection.bufferedAmount > limits.clientBufferBytes) return sendError(res, 'LimitExceededException');
      connection.sendText(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '0', 'x-amzn-RequestId': randomUUID() });
      res.end();
    });
  }

  function handleGet(id: string, res: ServerResponse): void {
    const connection = connections.get(id);
    if (!connection?.isOpen) return sendError(res, 'GoneException');
    // JSON names and ISO 8601 timestamps as in the API model (GetConnectionResponse).
    sendJson(res, 200, {
      connectedAt: new Date(connection.connectedAt).toISOString(),
      identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
      lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
    });
  }

  function handleDelete(id: string, res: ServerResponse): void {
    const connection = connections.get(id);
    if (!connection?.isOpen) return sendError(res, 'GoneException');
    connection.closeForDelete();
    res.writeHead(204, { 'x-amzn-RequestId': randomUUID() });
    res.end();
  }

  function route(req: IncomingMessage, res: ServerResponse): void {
    const target = parsePath(req.url ?? '/');
    if ('error' in target) return sendError(res, target.error, target.body);
    if (req.method === 'POST') {
      if (latencyMs > 0) setTimeout(handlePost, latencyMs, target.id, req, res);
      else handlePost(target.id, req, res);
      return;
    }
    if (req.method === 'GET') return handleGet(target.id, res);
    if (req.method === 'DELETE') return handleDelete(target.id, res);
    sendError(res, 'ForbiddenException', MISSING_TOKEN_BODY);
  }

  return route;
}

function sendError(res: ServerResponse, type: ErrorType, body = ERROR_BODIES[type]): void {
  res.writeHead(STATUS[type], {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-ErrorType': type,
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'x-amzn-RequestId': randomUUID() });
  res.end(body);
}
