// DynamoDB's JSON protocol, spoken directly: one SigV4-signed POST per operation over keep-alive
// sockets (keep-alive-http.ts), for the five operations the store sends (and three that `npm start` makes
// and sweeps its local table with: local/dynamodb.ts, local/ttl-sweeper.ts). Not through @aws-sdk/client-dynamodb: with its
// credential chain it is ~330 KiB of every handler's bundle, ~35 ms of a cold start's import and
// ~20 ms of its first request (`npm run bench`, "Lambda bundles"), and ~2 ms of CPU per request on
// loopback where this takes ~1. What it keeps of the SDK: its SigV4 signing key (@smithy/signature-v4's
// getSigningKey, derived once a day), the retries of its standard mode (below), and errors shaped like
// its service exceptions (`name`, `$metadata.httpStatusCode`), so aws-errors.ts reads both alike. The
// headers are always the same five or six, so the canonical request is written out and signed with
// node:crypto (as connection-poster.ts does): `SignatureV4.sign` was ~1 ms of a cold request.
// test/dynamodb-http.test.ts sends each operation through both and requires the same request, each
// signature re-derived by `SignatureV4.sign`.
import { hash } from 'node:crypto';
import { getSigningKey } from '@smithy/signature-v4';
import { amzDate, canonicalHeaderValue, sameCredentials, sigv4Signature, SIGV4_ALGORITHM, type AwsCredentials, type AwsSigning } from '../aws-signing.ts';
import { jsonFields, parseJson } from '../json-values.ts';
import { createKeepAliveHttp, ResponseTimeout, type KeepAliveHttp } from '../keep-alive-http.ts';

export type DynamoDbOperation = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query' | LocalTableOperation;
/** Only local code sends these (the stack makes the table; AWS's TTL deletes what expires). */
export type LocalTableOperation = 'DescribeTable' | 'CreateTable' | 'Scan';

export interface DynamoDbHttp {
  /** Sends one operation (its input in DynamoDB JSON); resolves with its parsed answer or throws a DynamoDbError. */
  call(operation: DynamoDbOperation, input: object): Promise<unknown>;
  /** Closes its sockets, failing any request on them (tests, local restarts); a later call opens new ones. */
  destroy(): void;
}

export interface DynamoDbHttpOptions {
  /** Default: DynamoDB's regional endpoint for the signing Region. */
  endpoint?: string;
  signing: AwsSigning;
  retry?: DynamoDbRetry;
  /** A socket silent this long fails the attempt (then a read is retried, a write is not: it may have been applied). */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** As many attempts as the SDK's standard mode (3), with full-jitter backoff: `baseMs` · 2^attempt at most, capped at `capMs`. */
export interface DynamoDbRetry {
  attempts: number;
  baseMs: number;
  capMs: number;
}

export const DEFAULT_DYNAMODB_RETRY: DynamoDbRetry = { attempts: 3, baseMs: 100, capMs: 20_000 };
/** DynamoDB answers in milliseconds; this is for a socket that stopped answering. */
export const DYNAMODB_TIMEOUT_MS = 5000;
const TARGET_PREFIX = 'DynamoDB_20120810.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

/** A non-2xx answer, shaped like an SDK v3 service exception. */
export class DynamoDbError extends Error {
  readonly $metadata: { httpStatusCode: number; requestId?: string };
  readonly $fault: 'client' | 'server';

  constructor(name: string, status: number, message: string, requestId: string | undefined) {
    super(message);
    this.name = name;
    this.$fault = status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: status, ...(requestId ? { requestId } : {}) };
  }
}

/** Error names the SDK's standard mode retries as throttling (those DynamoDB answers with). */
const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'TransactionInProgressException']);
/** What a timed-out attempt may send again: they change nothing. */
const READS: ReadonlySet<DynamoDbOperation> = new Set<DynamoDbOperation>(['GetItem', 'Query', 'DescribeTable', 'Scan']);
const RETRIED_STATUS = new Set([429, 500, 502, 503, 504]);
/** Sockets to DynamoDB at most, as the SDK's node:http handler allows by default. */
const MAX_SOCKETS = 50;
/** Network failures of an attempt that the SDK retries too. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED']);

export function createDynamoDbHttp(options: DynamoDbHttpOptions): DynamoDbHttp {
  const retry = options.retry ?? DEFAULT_DYNAMODB_RETRY;
  const timeoutMs = options.timeoutMs ?? DYNAMODB_TIMEOUT_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  let prepared: Promise<{ http: KeepAliveHttp; sign: Signer }> | undefined;
  let pool: KeepAliveHttp | undefined;
  const signer = () => {
    if (prepared) return prepared;
    const pending = prepare();
    prepared = pending;
    pending.catch(() => {
      if (prepared === pending) prepared = undefined; // ask the signing identity again next time, not fail every request
    });
    return pending;
  };
  const prepare = async () => {
    const region = await options.signing.region();
    const url = new URL(options.endpoint ?? regionalEndpoint(region));
    if (url.pathname !== '/' || url.search) throw new Error(`DynamoDB endpoint ${url.href}: an endpoint has no path or query`);
    pool ??= createKeepAliveHttp(url.origin, { maxSockets: MAX_SOCKETS, timeoutMs });
    return { http: pool, sign: createSigner(options.signing, region, url.host) };
  };

  async function attempt(operation: DynamoDbOperation, body: string): Promise<unknown> {
    const { http, sign } = await signer();
    const headers = await sign(TARGET_PREFIX + operation, body, Date.now());
    const { status, headers: answerHeaders, body: bytes } = await http.request({ method: 'POST', path: '/', headers, body });
    const answer = { status, text: bytes.toString('utf8'), requestId: answerHeaders.get('x-amzn-requestid') };
    if (answer.status === 200) {
      try {
        return JSON.parse(answer.text);
      } catch {
        // a proxy's page, not DynamoDB's answer: an error that keeps the status and the request id, as the SDK's does
        throw new DynamoDbError('SyntaxError', answer.status, `DynamoDB ${operation}: the answer is not JSON: ${answer.text.slice(0, 300)}`, answer.requestId);
      }
    }
    throw errorOf(answer.status, answer.text, answer.requestId);
  }

  return {
    async call(operation, input) {
      const body = JSON.stringify(input);
      for (let tried = 1; ; tried += 1) {
        try {
          return await attempt(operation, body);
        } catch (error) {
          if (tried >= retry.attempts || !isRetryable(error)) throw error;
          // A silent socket may have had its write applied: only a read is sent again (the SDK client the
          // store used before had no timeout, so it never re-sent a write on one; an ADD must not count twice).
          if (error instanceof ResponseTimeout && !READS.has(operation)) throw error;
          await sleep(random() * Math.min(retry.capMs, retry.baseMs * 2 ** tried));
        }
      }
    },
    destroy() {
      pool?.destroy();
    },
  };
}

/** DynamoDB's endpoint in the Region's partition (China's Regions are under amazonaws.com.cn). */
export function regionalEndpoint(region: string): string {
  return `https://dynamodb.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** The headers of one signed request (name, value, …): SigV4 over exactly the headers sent (`x-amz-target` names the operation). */
type Signer = (target: string, body: string, now: number) => Promise<string[]>;

function createSigner(signing: AwsSigning, region: string, host: string): Signer {
  let cached: { day: string; credentials: AwsCredentials; key: Promise<Uint8Array> } | undefined;
  const keyFor = (credentials: AwsCredentials, day: string): Promise<Uint8Array> => {
    if (cached?.day !== day || !sameCredentials(cached.credentials, credentials)) {
      const key = getSigningKey(signing.sha256, credentials, day, region, 'dynamodb');
      const entry = { day, credentials, key };
      key.catch(() => {
        if (cached === entry) cached = undefined; // derive again next time, not fail every request
      });
      cached = entry;
    }
    return cached.key;
  };
  return async (target, body, now) => {
    const credentials = await signing.credentials();
    const date = amzDate(now);
    const day = date.slice(0, 8);
    const key = await keyFor(credentials, day);
    const token = credentials.sessionToken || undefined;
    const length = String(Buffer.byteLength(body));
    // Sorted by name, as SigV4 wants.
    const signedHeaders = `content-length;content-type;host;x-amz-date;${token ? 'x-amz-security-token;' : ''}x-amz-target`;
    const canonicalHeaders = `content-length:${length}\ncontent-type:${CONTENT_TYPE}\nhost:${canonicalHeaderValue(host)}\nx-amz-date:${date}\n${token ? `x-amz-security-token:${canonicalHeaderValue(token)}\n` : ''}x-amz-target:${target}\n`;
    const payloadHash = hash('sha256', body, 'hex');
    const canonicalRequest = `POST\n/\n\n${canonicalHeaders}\n${signedHeaders}\n${payloadHash}`;
    const scope = `${day}/${region}/dynamodb/aws4_request`;
    const signature = sigv4Signature(key, date, scope, canonicalRequest);
    return [
      'host', host,
      'content-type', CONTENT_TYPE,
      'content-length', length,
      'x-amz-target', target,
      'x-amz-date', date,
      ...(token ? ['x-amz-security-token', token] : []),
      'authorization', `${SIGV4_ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    ];
  };
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof DynamoDbError) return THROTTLING.has(error.name) || RETRIED_STATUS.has(error.$metadata.httpStatusCode);
  if (error instanceof ResponseTimeout) return true;
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && TRANSIENT_CODES.has(error.code);
}

/** `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"…"}` → its name and message. */
function errorOf(status: number, text: string, requestId: string | undefined): DynamoDbError {
  // Not JSON (a proxy's page): the name from the status, the text as the message.
  const fields = jsonFields(parseJson(text));
  const type = fields.get('__type');
  const said = fields.get('message') ?? fields.get('Message');
  const name = typeof type === 'string' ? type.slice(type.lastIndexOf('#') + 1) : `DynamoDB${status}`;
  return new DynamoDbError(name, status, typeof said === 'string' ? said : text.slice(0, 300), requestId);
}
