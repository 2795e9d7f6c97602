// The API Gateway WebSocket Lambda proxy event and result, as our handlers read them.
// Declared here (not taken from @types/aws-lambda) because that package's WebSocket type omits the
// $connect headers/query string and the $disconnect status fields that AWS does send.

export interface WebSocketRequestContext {
  routeKey: string;
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  connectionId: string;
  connectedAt: number;
  requestId: string;
  extendedRequestId?: string;
  requestTime?: string;
  requestTimeEpoch: number;
  messageId?: string;
  messageDirection?: 'IN';
  domainName: string;
  stage: string;
  apiId: string;
  identity?: { sourceIp?: string; userAgent?: string };
  disconnectStatusCode?: number;
  disconnectReason?: string;
  authorizer?: Record<string, unknown>;
}

export interface WebSocketEvent {
  requestContext: WebSocketRequestContext;
  body?: string;
  isBase64Encoded: boolean;
  headers?: Record<string, string | undefined>;
  multiValueHeaders?: Record<string, string[] | undefined>;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
}

export interface WebSocketResult {
  statusCode: number;
  body?: string;
  headers?: Record<string, string>;
}

/** What the chat reads of the Lambda context: the time left before the runtime stops the invocation. */
export interface InvocationClock {
  getRemainingTimeInMillis(): number;
}
