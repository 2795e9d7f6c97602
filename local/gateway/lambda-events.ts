// Lambda proxy events for the three WebSocket event types, field for field as API Gateway sends them
// (mapping-template reference; AWS's own fixtures in aws/aws-lambda-go events/testdata/apigw-websocket-*):
// headers and query string on $connect only, a few fixed headers on $disconnect, none on messages.
import { awsStyleId, traceId } from './ids.ts';
import type { GatewayEvent, GatewayRequestContext } from './types.ts';

export interface ApiFacts {
  apiId: string;
  stage: string;
  /** host:port, so `http://${domainName}/${stage}` is the callback URL, as `https://…` is in AWS. */
  domainName: string;
}

export interface ConnectionFacts {
  connectionId: string;
  connectedAt: number;
  sourceIp: string;
  userAgent: string;
  /** What the authorizer allowed the connection with (`requestContext.authorizer`), if there is one. */
  authorizer?: Record<string, string>;
}

export interface UpgradeRequestFacts {
  /** Header names and values as the client sent them (Node's `rawHeaders`), so names keep their case. */
  rawHeaders: string[];
  /** Request target, e.g. `/local?token=abc`. */
  url: string;
  port: number;
}

export function buildConnectEvent(api: ApiFacts, connection: ConnectionFacts, request: UpgradeRequestFacts, now: number): GatewayEvent {
  const { headers, multiValueHeaders } = connectHeaders(request, connection.sourceIp, now);
  const event: GatewayEvent = {
    headers,
    multiValueHeaders,
    requestContext: requestContext(api, connection, '$connect', 'CONNECT', now),
    isBase64Encoded: false,
  };
  const query = queryString(request.url);
  if (query) {
    event.queryStringParameters = query.single;
    event.multiValueQueryStringParameters = query.multi;
  }
  return event;
}

export function buildMessageEvent(api: ApiFacts, connection: ConnectionFacts, routeKey: string, body: string, now: number): GatewayEvent {
  const context = requestContext(api, connection, routeKey, 'MESSAGE', now);
  context.messageId = awsStyleId();
  return { requestContext: context, body, isBase64Encoded: false };
}

export function buildDisconnectEvent(api: ApiFacts, connection: ConnectionFacts, statusCode: number, reason: string, now: number): GatewayEvent {
  // AWS sends these four, with empty values, on every $disconnect (maps shaped as on $connect).
  const headers = ownRecord([['Host', api.domainName], ['x-api-key', ''], ['X-Forwarded-For', ''], ['x-restapi', '']]);
  const context = requestContext(api, connection, '$disconnect', 'DISCONNECT', now);
  context.disconnectStatusCode = statusCode;
  context.disconnectReason = reason;
  return { headers, multiValueHeaders: toMultiValue(headers), requestContext: context, isBase64Encoded: false };
}

function requestContext(
  api: ApiFacts,
  connection: ConnectionFacts,
  routeKey: string,
  eventType: GatewayRequestContext['eventType'],
  now: number,
): GatewayRequestContext {
  const requestId = awsStyleId();
  return {
    routeKey,
    eventType,
    extendedRequestId: requestId,
    requestTime: commonLogFormatTime(now),
    messageDirection: 'IN',
    stage: api.stage,
    connectedAt: connection.connectedAt,
    requestTimeEpoch: now,
    identity: { userAgent: connection.userAgent, sourceIp: connection.sourceIp },
    requestId,
    domainName: api.domainName,
    connectionId: connection.connectionId,
    apiId: api.apiId,
    ...(connection.authorizer ? { authorizer: { ...connection.authorizer } } : {}),
  };
}

// Hop-by-hop headers of the upgrade itself, and the forwarding headers API Gateway sets itself.
const DROPPED_HEADERS = new Set(['connection', 'upgrade', 'x-forwarded-port', 'x-forwarded-proto', 'x-amzn-trace-id']);

function connectHeaders(request: UpgradeRequestFacts, sourceIp: string, now: number) {
  // Header names are the client's: a Map while building, so `constructor` or `__proto__` is a name like any other.
  const multi = new Map<string, string[]>();
  let forwardedForName = 'X-Forwarded-For';
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] ?? '';
    const value = request.rawHeaders[i + 1] ?? '';
    const lower = name.toLowerCase();
    if (DROPPED_HEADERS.has(lower)) continue;
    if (lower === 'x-forwarded-for') forwardedForName = name;
    appendValue(multi, name, value);
  }
  // API Gateway appends the caller's address to any X-Forwarded-For the client sent.
  const forwarded = multi.get(forwardedForName);
  multi.set(forwardedForName, forwarded ? [`${forwarded.join(', ')}, ${sourceIp}`] : [sourceIp]);
  multi.set('X-Amzn-Trace-Id', [traceId(now)]);
  multi.set('X-Forwarded-Port', [String(request.port)]);
  multi.set('X-Forwarded-Proto', ['http']);
  return { headers: ownRecord(lastValues(multi)), multiValueHeaders: ownRecord(multi) };
}

function queryString(url: string): { single: Record<string, string>; multi: Record<string, string[]> } | undefined {
  const start = url.indexOf('?');
  if (start < 0 || start === url.length - 1) return undefined;
  const multi = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(url.slice(start + 1))) appendValue(multi, name, value);
  return { single: ownRecord(lastValues(multi)), multi: ownRecord(multi) };
}

function appendValue(multi: Map<string, string[]>, name: string, value: string): void {
  const values = multi.get(name);
  if (values) values.push(value);
  else multi.set(name, [value]);
}

/** Single-value maps carry the last value of a repeated name, as in Lambda proxy events. */
function lastValues(multi: ReadonlyMap<string, string[]>): Array<[string, string]> {
  return [...multi].map(([name, values]) => [name, values[values.length - 1] ?? '']);
}

/**
 * The event's maps: every name an own property (`__proto__` included, as in the JSON AWS sends) and no
 * prototype, so a handler looking up a name the client did not send gets undefined, never an inherited
 * `constructor` or `toString`.
 */
function ownRecord<V>(entries: Iterable<readonly [string, V]>): Record<string, V> {
  const record = Object.fromEntries(entries); // defines own properties: no __proto__ setter runs
  Object.setPrototypeOf(record, null);
  return record;
}

function toMultiValue(single: Record<string, string>): Record<string, string[]> {
  return ownRecord(Object.entries(single).map(([name, value]) => [name, [value]]));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** `requestTime` format, e.g. `20/Jan/2024:11:55:08 +0000`. */
export function commonLogFormatTime(epochMs: number): string {
  const d = new Date(epochMs);
  return (
    `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}
