// postToConnection without the SDK's per-call middleware. Fan-out makes this one call per recipient,
// and `npm run bench` measures the SDK command path (endpoint rules, retry bookkeeping, user agent,
// serde, then its generic signer) at ≈10× the CPU of this poster (docs/scaling.md, "CPU per post"): a
// SigV4 signature and one keep-alive HTTP exchange is all it needs. On a Lambda's fraction of a vCPU that
// is most of a broadcast's time.
//
// What a post costs, and why each piece is where it is (bench/probes/post-cpu.ts measures them):
// - the body is hashed once per broadcast (every recipient gets the same bytes), with the signing
//   identity's hash (`AwsSigning.sha256`), for the canonical request's payload hash. It is not sent as
//   x-amz-content-sha256: SigV4 needs that header for S3 only, and the SDK for JavaScript sends it to
//   every service, but botocore signs other services without it (SigV4Auth adds it only for an unsigned
//   payload), so the AWS CLI's and boto3's `post-to-connection` reach API Gateway without it; leaving it
//   out takes 88 bytes off every post's head (≈560 bytes here, without a session token) and one header off
//   the canonical request;
// - the SigV4 signing key is derived by the SDK's own `getSigningKey` once per day, Region and
//   credentials (the SDK's `sign` derives nothing either but computes an HMAC of the credentials on
//   every call to find its cache), and the credentials are asked of the signing identity once a
//   second, not per post: a post of a body already hashed, in a second already prepared, is signed
//   and sent without an await, one promise from the call to the answer (every promise costs more
//   where AsyncLocalStorage is on, as it is under `npm start`: functions/metrics.ts);
// - the canonical request is built from the headers this poster sends, which are fixed but for the
//   date, the length and the path, then hashed and HMAC'd with node:crypto (sigv4Signature in
//   aws-signing.ts). That is the signer's whole per-request work, about 5× cheaper than
//   `SignatureV4.sign` (which clones the request, re-derives every canonical header with regexes and
//   awaits each hash); test/connection-poster.test.ts signs each request again with
//   `SignatureV4.sign` and requires the same Authorization header;
// - the request goes out through keep-alive-http.ts as one write of the head and the body (a latin1
//   string of the same bytes), and a stalled socket is caught by the socket's own idle timeout, not a
//   timer per request; node:http's request and response objects cost more CPU than all of the above.
// Failures are thrown shaped like the SDK's service exceptions (`name` from x-amzn-ErrorType,
// `$metadata.httpStatusCode`), so callers classify both alike.
import { getSigningKey } from '@smithy/signature-v4';
import { amzDate, canonicalHeaderValue, sameCredentials, sigv4Signature, SIGV4_ALGORITHM, type AwsCredentials, type AwsSigning } from './aws-signing.ts';
import { jsonFields, parseJson } from './json-values.ts';
import type { HttpAnswer, KeepAliveHttp } from './keep-alive-http.ts';

/** The signing name of the @connections management API. */
export const SERVICE = 'execute-api';
const CONTENT_TYPE = 'application/octet-stream';
/** API Gateway answers a post (or a GET or DELETE) in milliseconds; this is for a socket that stopped answering. */
export const POST_TIMEOUT_MS = 3000;

export interface ConnectionPoster {
  /** POST @connections/{id}; resolves on 2xx, throws a ConnectionsApiError otherwise (or the network error). */
  post(connectionId: string, data: Uint8Array): Promise<void>;
}

export interface ConnectionPosterOptions {
  /** Epoch ms for the signature's date; tests move it across midnight. */
  clock?: () => number;
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

/** What a broadcast's body contributes to every post of it, computed once. */
interface Body {
  hash: string;
  length: string;
  /** The bytes as a latin1 string: keep-alive-http.ts then writes head and body in one piece. */
  latin1: string;
  /** The canonical header lines that depend on the body (content-length), and the fixed ones up to host. */
  canonicalHeaders: string;
}

/** A second: its SigV4 date (`20261201T235959Z`) and day (`20261201`). */
interface Stamp {
  second: number;
  date: string;
  day: string;
}

/** The credentials of one second, their scope and the derived key. */
interface Signing {
  second: number;
  scope: Scope;
  key: Uint8Array;
}

/** What the credentials and the day contribute, computed once per pair. */
interface Scope {
  credentials: AwsCredentials;
  shortDate: string;
  key: Promise<Uint8Array>;
  /** `Credential=…/scope, SignedHeaders=…, Signature=` */
  authorizationPrefix: string;
  scope: string;
  signedHeaders: string;
  /** `x-amz-security-token:…\n`, or empty. */
  tokenLine: string;
  token: string | undefined;
}

/** Where an endpoint's @connections requests go. */
export interface ConnectionsTarget {
  url: URL;
  /** As the Host header and the signature have it: `abc.execute-api.eu-west-1.amazonaws.com`, `127.0.0.1:3001`. */
  host: string;
  /** The endpoint's path without a trailing slash: `/prod`. */
  stagePath: string;
}

export function connectionsTarget(endpoint: string): ConnectionsTarget {
  const url = new URL(endpoint);
  return { url, host: url.host, stagePath: url.pathname.replace(/\/+$/, '') };
}

/**
 * `awsSigning`: an SDK client's `config` fits too (tests and the bench hand one over). `http`: the
 * endpoint's keep-alive sockets (createKeepAliveHttp with POST_TIMEOUT_MS), shared with the other calls.
 */
export function createConnectionPoster(awsSigning: AwsSigning, endpoint: string, http: KeepAliveHttp, options: ConnectionPosterOptions = {}): ConnectionPoster {
  const { host, stagePath } = connectionsTarget(endpoint);
  const clock = options.clock ?? Date.now;
  const hashConstructor = awsSigning.sha256;
  let regionName: string | undefined;
  const connectionsPath = canonicalUri(`${stagePath}/@connections`);

  // A broadcast posts the same bytes to everyone: their hash, once. The promise is kept for the posts
  // that start while it is computed, the result for the rest (no await on the hot path).
  const hashing = new WeakMap<Uint8Array, Promise<Body>>();
  const hashed = new WeakMap<Uint8Array, Body>();
  const hashBody = async (data: Uint8Array): Promise<Body> => {
    const hash = new hashConstructor();
    hash.update(data);
    const hex = Buffer.from(await hash.digest()).toString('hex');
    const length = String(data.byteLength);
    const latin1 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
    // Sorted by name, as SigV4 wants: content-length, content-type, host, x-amz-date, …
    const body = { hash: hex, length, latin1, canonicalHeaders: `content-length:${length}\ncontent-type:${CONTENT_TYPE}\nhost:${canonicalHeaderValue(host)}\n` };
    hashed.set(data, body);
    return body;
  };
  const bodyOf = (data: Uint8Array): Body | Promise<Body> => {
    const body = hashed.get(data);
    if (body) return body;
    let pending = hashing.get(data);
    if (!pending) hashing.set(data, (pending = hashBody(data)));
    return pending;
  };

  let scope: Scope | undefined;
  const scopeFor = (credentials: AwsCredentials, shortDate: string, regionName: string): Scope => {
    if (scope && scope.shortDate === shortDate && sameCredentials(scope.credentials, credentials)) return scope;
    const token = credentials.sessionToken || undefined;
    const signedHeaders = `content-length;content-type;host;x-amz-date${token ? ';x-amz-security-token' : ''}`;
    const credentialScope = `${shortDate}/${regionName}/${SERVICE}/aws4_request`;
    const next: Scope = {
      credentials,
      shortDate,
      key: getSigningKey(hashConstructor, credentials, shortDate, regionName, SERVICE).catch((error: unknown) => {
        if (scope === next) scope = undefined; // derive again on the next post, not fail every one
        throw error;
      }),
      authorizationPrefix: `${SIGV4_ALGORITHM} Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=`,
      scope: credentialScope,
      signedHeaders,
      tokenLine: token ? `x-amz-security-token:${canonicalHeaderValue(token)}\n` : '',
      token,
    };
    return (scope = next);
  };

  // The date changes once a second: formatted once a second.
  let stamp: Stamp = { second: -1, date: '', day: '' };
  const stampAt = (now: number): Stamp => {
    const second = Math.floor(now / 1000);
    if (second !== stamp.second) {
      const date = amzDate(second * 1000);
      stamp = { second, date, day: date.slice(0, 8) };
    }
    return stamp;
  };

  // The credentials are asked for once a second (an SDK provider memoizes them and refreshes them
  // minutes before they expire; the environment's stay), not on every post: a post in a second whose
  // credentials and key are known, of a body already hashed, is signed and sent without waiting for anything.
  let signing: Signing | undefined;
  let preparing: { second: number; done: Promise<Signing> } | undefined;
  const prepare = (at: Stamp): Promise<Signing> => {
    if (preparing?.second === at.second) return preparing.done;
    const done = (async () => {
      const credentials = await awsSigning.credentials();
      const scope = scopeFor(credentials, at.day, (regionName ??= await awsSigning.region()));
      const prepared = { second: at.second, scope, key: await scope.key };
      if (!signing || signing.second <= at.second) signing = prepared;
      return prepared;
    })();
    preparing = { second: at.second, done };
    done.catch(() => {
      if (preparing?.done === done) preparing = undefined; // ask again on the next post, not fail every one
    });
    return done;
  };

  /** Signs and sends one post: synchronous up to the HTTP exchange. */
  const exchange = (connectionId: string, body: Body, { scope, key }: Signing, date: string): Promise<void> => {
    const segment = encodePathSegment(connectionId);
    const path = `${stagePath}/@connections/${segment}`;
    // An encoded segment is unreserved characters and %XX: encoding it again only escapes its '%'.
    const canonicalPath = segment === '.' || segment === '..' ? canonicalUri(path) : `${connectionsPath}/${segment.replaceAll('%', '%25')}`;
    const canonicalRequest =
      `POST\n${canonicalPath}\n\n${body.canonicalHeaders}x-amz-date:${date}\n${scope.tokenLine}\n${scope.signedHeaders}\n${body.hash}`;
    const authorization = scope.authorizationPrefix + sigv4Signature(key, date, scope.scope, canonicalRequest);

    const headers: string[] = [
      'host', host,
      'content-type', CONTENT_TYPE,
      'content-length', body.length,
      'x-amz-date', date,
      'authorization', authorization,
    ];
    if (scope.token) headers.push('x-amz-security-token', scope.token);

    return http.request({ method: 'POST', path, headers, body: body.latin1, encoding: 'latin1' }).then(accepted);
  };

  const slowPost = async (connectionId: string, data: Uint8Array, at: Stamp): Promise<void> => {
    const [body, ready] = await Promise.all([bodyOf(data), prepare(at)]);
    return exchange(connectionId, body, ready, at.date);
  };

  return {
    post(connectionId, data) {
      const at = stampAt(clock());
      const body = hashed.get(data);
      const current = signing;
      try {
        if (body && current?.second === at.second) return exchange(connectionId, body, current, at.date);
        return slowPost(connectionId, data, at);
      } catch (error) {
        return Promise.reject(error); // a connection id that cannot be encoded (a lone surrogate)
      }
    },
  };
}

/** Nothing on a 2xx; otherwise the answer as a ConnectionsApiError. */
export function accepted({ status, headers, body }: HttpAnswer): void {
  if (status < 200 || status >= 300) throw toError(status, headers, body);
}

function toError(status: number, headers: ReadonlyMap<string, string>, body: Buffer): ConnectionsApiError {
  // `LimitExceededException:http://internal.amazon.com/…`: the name is before the colon.
  const type = headers.get('x-amzn-errortype')?.split(',')[0]?.split(':')[0]?.trim();
  const name = type || ERROR_NAMES[status] || (status >= 500 ? 'InternalServerError' : 'UnknownError');
  const fields = jsonFields(parseJson(body.toString('utf8')));
  const text = fields.get('message') ?? fields.get('Message');
  // Not JSON, or no message in it: the status line.
  return new ConnectionsApiError(name, status, typeof text === 'string' ? text : `HTTP ${status}`, headers.get('x-amzn-requestid'));
}

/** The SDK's path encoding (encodeURIComponent plus !'()*), so the signed path is the one AWS sees. */
export function encodePathSegment(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** SigV4's canonical URI as @smithy/signature-v4 builds it: dot segments resolved, empty ones dropped, encoded again. */
function canonicalUri(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return encodePathSegment(normalized).replace(/%2F/g, '/');
}
