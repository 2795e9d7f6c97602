// postToConnection without the SDK's per-call middleware. Fan-out makes this one call per recipient,
// and `npm run bench` measured the SDK command path (endpoint rules, retry bookkeeping, user agent,
// serde) at ~3× the CPU of what the call needs: a SigV4 signature and one keep-alive HTTP exchange.
// On a Lambda's fraction of a vCPU that is most of a broadcast's time. So the request is signed with
// the SDK's own signer (@smithy/signature-v4) and the client's credentials chain and region, and sent
// over the client's keep-alive agent. Failures are thrown shaped like the SDK's service exceptions
// (`name` from x-amzn-ErrorType, `$metadata.httpStatusCode`), so callers classify both alike.
// test/connection-poster.test.ts checks the signature with the published algorithm, against the SDK's.
import { createHash } from 'node:crypto';
import { request as httpRequest, type Agent as HttpAgent, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { SignatureV4 } from '@smithy/signature-v4';

/** The signing name of the @connections management API. */
const SERVICE = 'execute-api';
const CONTENT_TYPE = 'application/octet-stream';
/** API Gateway answers a post in milliseconds; this is for a socket that stopped answering. */
export const POST_TIMEOUT_MS = 3000;

export interface ConnectionPoster {
  /** POST @connections/{id}; resolves on 2xx, throws a ConnectionsApiError otherwise (or the network error). */
  post(connectionId: string, data: Uint8Array): Promise<void>;
}

/** A non-2xx answer, shaped like an SDK v3 service exception. */
export class ConnectionsApiError extends Error {
  readonly $metadata: { httpStatusCode: number; requestId?: string };

  constructor(name: string, status: number, message: string, requestId?: string) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status, ...(requestId ? { requestId } : {}) };
  }
}

/** What API Gateway's status codes mean when a response carries no x-amzn-ErrorType. */
const ERROR_NAMES: Record<number, string> = {
  403: 'ForbiddenException',
  410: 'GoneException',
  413: 'PayloadTooLargeException',
  429: 'LimitExceededException',
};

export function createConnectionPoster(
  client: ApiGatewayManagementApiClient,
  endpoint: string,
  agents: { http: HttpAgent; https: HttpsAgent },
): ConnectionPoster {
  const url = new URL(endpoint);
  const secure = url.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  const agent = secure ? agents.https : agents.http;
  const port = url.port ? Number(url.port) : undefined;
  const stagePath = url.pathname.replace(/\/+$/, '');
  let region: Promise<string> | undefined;

  const payloadHashes = new WeakMap<Uint8Array, string>(); // a broadcast posts the same bytes to everyone
  const signer = new SignatureV4({
    service: SERVICE,
    region: () => (region ??= client.config.region()),
    credentials: client.config.credentials, // memoized by the SDK, which also refreshes expiring ones
    sha256: client.config.sha256, // the SDK's own node:crypto hash
  });

  return {
    async post(connectionId, data) {
      const path = `${stagePath}/@connections/${encodePathSegment(connectionId)}`;
      let payloadHash = payloadHashes.get(data);
      if (!payloadHash) payloadHashes.set(data, (payloadHash = createHash('sha256').update(data).digest('hex')));
      const signed = await signer.sign({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(port ? { port } : {}),
        path,
        query: {},
        // With the payload's hash given, the signer does not hash the body again for every recipient.
        headers: {
          host: url.host,
          'content-type': CONTENT_TYPE,
          'content-length': String(data.byteLength),
          'x-amz-content-sha256': payloadHash,
        },
        body: data,
      });
      await new Promise<void>((resolve, reject) => {
        const outgoing = send({ agent, method: 'POST', hostname: url.hostname, port, path, headers: signed.headers }, (response) =>
          settle(response, resolve, reject),
        );
        outgoing.on('error', reject);
        // A stalled socket must not hold a fan-out slot until the Lambda times out; the caller retries.
        outgoing.setTimeout(POST_TIMEOUT_MS, () => outgoing.destroy(new Error(`no answer in ${POST_TIMEOUT_MS} ms`)));
        outgoing.end(data);
      });
    },
  };
}

/** Reads the answer to the end (so the socket returns to the pool), then resolves or rejects. */
function settle(response: IncomingMessage, resolve: () => void, reject: (error: Error) => void): void {
  const status = response.statusCode ?? 0;
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('error', reject);
  response.on('end', () => (status >= 200 && status < 300 ? resolve() : reject(toError(status, response.headers, Buffer.concat(chunks)))));
}

function toError(status: number, headers: IncomingHttpHeaders, body: Buffer): ConnectionsApiError {
  const typeHeader = headers['x-amzn-errortype'];
  const type = (Array.isArray(typeHeader) ? typeHeader[0] : typeHeader)?.split(':')[0];
  const name = type || ERROR_NAMES[status] || (status >= 500 ? 'InternalServerError' : 'UnknownError');
  let message = `HTTP ${status}`;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { message?: unknown; Message?: unknown };
    const text = parsed.message ?? parsed.Message;
    if (typeof text === 'string') message = text;
  } catch {
    // not JSON: keep the status line
  }
  const requestId = headers['x-amzn-requestid'];
  return new ConnectionsApiError(name, status, message, typeof requestId === 'string' ? requestId : undefined);
}

/** The SDK's path encoding (encodeURIComponent plus !'()*), so the signed path is the one AWS sees. */
export function encodePathSegment(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}
