// postToConnection without the SDK's per-call middleware. Fan-out makes this one call per recipient,
// and `npm run bench` measured the SDK's generic middleware (endpoint rules, retry bookkeeping, user
// agent, serde) and its general-purpose signer at ~2.5× the CPU of what the call needs: a SigV4
// signature and one keep-alive HTTP exchange. On a Lambda's fraction of a vCPU that is most of a
// broadcast's time. So the request is signed here (SigV4, node:crypto, the payload hashed once per
// broadcast and the signing key once per day) with the SDK client's own credentials chain and region,
// and sent over the client's keep-alive agent. Failures are thrown shaped like the SDK's service
// exceptions (`name` from x-amzn-ErrorType, `$metadata.httpStatusCode`), so callers classify both alike.
// test/bench-connection-poster.test.ts checks the signature with the published algorithm, against the SDK's.
import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest, type Agent as HttpAgent, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';

/** The signing name of the @connections management API. */
const SERVICE = 'execute-api';
const CONTENT_TYPE = 'application/octet-stream';

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
  const payloadHashes = new WeakMap<Uint8Array, string>(); // a broadcast posts the same bytes to everyone
  let region: Promise<string> | undefined;
  let signingKey: { scope: string; secret: string; key: Buffer } = { scope: '', secret: '', key: Buffer.alloc(0) };

  return {
    async post(connectionId, data) {
      // The SDK's credentials provider memoizes, and refreshes expiring credentials itself.
      const [credentials, signingRegion] = await Promise.all([client.config.credentials(), (region ??= client.config.region())]);
      const path = `${stagePath}/@connections/${encodePathSegment(connectionId)}`;
      const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, ''); // 20261123T104832Z
      const scope = `${amzDate.slice(0, 8)}/${signingRegion}/${SERVICE}/aws4_request`;
      if (signingKey.scope !== scope || signingKey.secret !== credentials.secretAccessKey) {
        const [day] = scope.split('/') as [string];
        const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), signingRegion), SERVICE), 'aws4_request');
        signingKey = { scope, secret: credentials.secretAccessKey, key };
      }
      let payloadHash = payloadHashes.get(data);
      if (!payloadHash) payloadHashes.set(data, (payloadHash = createHash('sha256').update(data).digest('hex')));

      const token = credentials.sessionToken;
      const signedHeaders = token ? 'content-type;host;x-amz-date;x-amz-security-token' : 'content-type;host;x-amz-date';
      const canonicalRequest = [
        'POST',
        path.split('/').map(encodePathSegment).join('/'), // every service but S3 escapes the path once more
        '',
        `content-type:${CONTENT_TYPE}\nhost:${url.host}\nx-amz-date:${amzDate}\n${token ? `x-amz-security-token:${token}\n` : ''}`,
        signedHeaders,
        payloadHash,
      ].join('\n');
      const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
      const signature = createHmac('sha256', signingKey.key).update(stringToSign).digest('hex');
      const headers: Record<string, string> = {
        host: url.host,
        'content-type': CONTENT_TYPE,
        'content-length': String(data.byteLength),
        'x-amz-date': amzDate,
        ...(token ? { 'x-amz-security-token': token } : {}),
        authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
      };
      await new Promise<void>((resolve, reject) => {
        const outgoing = send({ agent, method: 'POST', hostname: url.hostname, port, path, headers }, (response) => settle(response, resolve, reject));
        outgoing.on('error', reject);
        outgoing.end(data);
      });
    },
  };
}

function hmac(key: Buffer | string, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
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
