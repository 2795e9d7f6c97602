// Public types of the local API Gateway WebSocket stand-in. Declared here rather than imported from the
// handlers' code so the gateway runs any Lambda proxy WebSocket handler, not only this project's.

/** requestContext of the Lambda proxy event, as API Gateway WebSocket APIs send it. */
export interface GatewayRequestContext {
  routeKey: string;
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  connectionId: string;
  connectedAt: number;
  requestId: string;
  extendedRequestId: string;
  requestTime: string;
  requestTimeEpoch: number;
  /** MESSAGE events only. */
  messageId?: string;
  messageDirection: 'IN';
  domainName: string;
  stage: string;
  apiId: string;
  identity: { sourceIp: string; userAgent: string };
  /** DISCONNECT events only. */
  disconnectStatusCode?: number;
  /** DISCONNECT events only. */
  disconnectReason?: string;
  /** With an authorizer: its `principalId` and `context` (values as strings), on every event of the connection. */
  authorizer?: Record<string, string>;
}

/** The Lambda proxy event a handler receives. */
export interface GatewayEvent {
  requestContext: GatewayRequestContext;
  /** MESSAGE events only: the frame's text. */
  body?: string;
  isBase64Encoded: boolean;
  /** CONNECT (the upgrade request's headers) and DISCONNECT (a fixed few). */
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  /** CONNECT only, and only when the URL has a query string. */
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
}

/** What a Lambda proxy handler returns. */
export interface HandlerResult {
  statusCode?: number;
  body?: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  isBase64Encoded?: boolean;
}

/** The part of the Lambda `context` object handlers commonly use. */
export interface LambdaContextLike {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
  /** Legacy completion methods, still on the Node.js runtime's context. */
  done(error?: Error | null, result?: unknown): void;
  fail(error: Error | string): void;
  succeed(result: unknown): void;
}

export type LambdaHandler = (
  event: GatewayEvent,
  context: LambdaContextLike,
) => Promise<HandlerResult | void | undefined> | HandlerResult | void;

/**
 * Environment variables of one function (Lambda's `Environment.Variables`), over the process's own;
 * see docs/local-gateway.md for what isolation is possible in one process.
 */
export type FunctionEnvironmentVariables = Record<string, string>;

/**
 * A handler function; a module path and export name (default `handler`), imported on first use as this
 * route's own module instance (like a separate Lambda function); either with its own `environment`.
 */
export type RouteTarget =
  | LambdaHandler
  | { handler: LambdaHandler; environment?: FunctionEnvironmentVariables }
  | { module: string; export?: string; environment?: FunctionEnvironmentVariables };

/** What a REQUEST authorizer receives on `$connect` (API Gateway's WebSocket authorizer input). */
export interface GatewayAuthorizerEvent {
  type: 'REQUEST';
  /** arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/$connect */
  methodArn: string;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters: Record<string, string>;
  multiValueQueryStringParameters: Record<string, string[]>;
  stageVariables: Record<string, string>;
  requestContext: GatewayRequestContext;
}

/** A REQUEST authorizer: returns `{ principalId, policyDocument, context? }`, or throws `Unauthorized`. */
export type AuthorizerHandler = (event: GatewayAuthorizerEvent, context: LambdaContextLike) => Promise<unknown> | unknown;

export type AuthorizerTarget =
  | AuthorizerHandler
  | { handler: AuthorizerHandler; environment?: FunctionEnvironmentVariables }
  | { module: string; export?: string; environment?: FunctionEnvironmentVariables };

export interface GatewayAuthorizerOptions {
  /** The authorizer function, given like a route's target (a function, or a module and its export). */
  handler: AuthorizerTarget;
  /**
   * Request parameters that must all be present and non-empty, else 401 without calling the function:
   * `route.request.header.NAME`, `route.request.querystring.NAME`, `context.NAME`. Default
   * `['route.request.header.Authorization']`, as CDK's WebSocketLambdaAuthorizer.
   */
  identitySource?: string[];
  /** Seconds a result is reused for the same identity source values; default 0, as AWS for WebSocket APIs. */
  resultTtlSeconds?: number;
}

export interface GatewayLimits {
  /** Largest inbound WebSocket frame; AWS: 32 KB. Larger → close 1009. */
  frameBytes: number;
  /** Largest message (frames reassembled), inbound and via POST @connections; AWS: 128 KB. */
  messageBytes: number;
  /** Close after this long without a message in either direction; AWS: 10 min. */
  idleTimeoutMs: number;
  /** Close this long after connecting, whatever the activity; AWS: 2 h. */
  maxDurationMs: number;
  /** Integration timeout; AWS: 29 s. */
  handlerTimeoutMs: number;
  /** POST @connections answers 429 while this much is queued for the client ("client side buffer is full"). */
  clientBufferBytes: number;
}

/**
 * How message invocations are admitted (local only: on AWS each runs in its own Lambda environment).
 * Each connection's frames queue on their own; the queues are served round-robin.
 */
export interface AdmissionLimits {
  /** Invocations of one connection's frames running at once; default 2 (≥ 2: a slow frame does not hold up the next). */
  perConnection: number;
  /** Message invocations running at once, all connections together; default 32. */
  total: number;
  /** Frames a connection may have waiting before its socket is paused (read again at half); default 256. */
  queuedPerConnection: number;
}

/**
 * API Gateway's stage/route throttling (token bucket), off unless given: each route has its own bucket
 * of `burstLimit` tokens refilled at `rateLimit` per second. A message over it gets AWS's
 * `{"message": "Too Many Requests", …}` frame and no invocation; a `$connect` over it a 429.
 */
export interface ThrottleSettings {
  burstLimit: number;
  rateLimit: number;
}

export interface GatewayFaults {
  /** Share (0–1) of POST @connections calls answered 410 GoneException without delivering. */
  postGoneRate?: number;
  /** Share (0–1) of POST @connections calls answered 429 LimitExceededException without delivering. */
  postThrottleRate?: number;
  /** Delay added before every POST @connections is handled. */
  postLatencyMs?: number;
  /** Source of randomness for the rates (inject a seeded one for repeatable runs). */
  random?: () => number;
  /** Decides the fault of one POST @connections/{id} (before the rates): answer 410 or 429 for that connection only. */
  post?: (connectionId: string) => 'gone' | 'throttled' | undefined;
}

export interface LocalGatewayOptions {
  /** 0 = a free port; default 3001. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 'local'. */
  stage?: string;
  /** Default: a random 10-character lowercase id, like AWS's. */
  apiId?: string;
  /** Default '$request.body.action'. */
  routeSelectionExpression?: string;
  /** Keys: '$connect', '$disconnect', '$default' or custom keys (which must not start with '$'). */
  routes: Record<string, RouteTarget>;
  /** A Lambda REQUEST authorizer on `$connect` (see docs/local-gateway.md, "Authorizer"). */
  authorizer?: GatewayAuthorizerOptions;
  /** Route keys configured with a route response: the handler's returned body is sent back to the client. */
  routeResponses?: string[];
  limits?: Partial<GatewayLimits>;
  /** Fair admission of message invocations (above); checked at start-up. */
  admission?: Partial<AdmissionLimits>;
  /** Route throttling as the stage's default route settings set it; default: none (off). */
  throttle?: ThrottleSettings;
  faults?: GatewayFaults;
  /** One line per event (route, connection, status, duration); true = console.log. Default false. */
  log?: boolean | ((line: string) => void);
  /** Re-import module targets (and the local files they import) when those files change. */
  hotReload?: boolean;
  /** Serve the files in this directory for plain GET/HEAD requests outside @connections (e.g. a browser client). */
  staticDir?: string;
  /**
   * Also serve wss:// and https:// on the same port (the first byte of each connection tells TLS from
   * plain). `true` keeps the local CA and certificate in `.wschat/tls` under the working directory;
   * `{ dir }` elsewhere. Made on first start, reused while valid. Default off.
   */
  tls?: boolean | { dir?: string };
}

export interface LocalGateway {
  /** ws://HOST:PORT; clients may connect at / or at /{stage}. */
  url: string;
  /** http://HOST:PORT/{stage}: the endpoint for ApiGatewayManagementApiClient. */
  callbackUrl: string;
  /** With `tls`: wss://HOST:PORT, https://HOST:PORT/{stage}, and the CA certificate file clients trust. */
  secure?: { url: string; callbackUrl: string; caPath: string; caPem: string };
  port: number;
  /** Connections that are open (their $connect returned 2xx and they have not closed). */
  connectionIds(): string[];
  /** Frames received and waiting for admission (none started yet). Test hook: no AWS equivalent. */
  queuedMessages(): number;
  /** Destroys the socket without running $disconnect, as when AWS's best-effort $disconnect is lost. */
  dropConnection(id: string): void;
  /**
   * Resolves once no handler invocation ($connect, message or $disconnect) is in flight, re-checking after
   * each settles, so that everything they posted has been handed to the sockets. Test hook: no AWS equivalent.
   */
  whenIdle(): Promise<void>;
  /** Closes every connection (running $disconnect for each, once), waits for running handlers, then stops. */
  close(): Promise<void>;
}
