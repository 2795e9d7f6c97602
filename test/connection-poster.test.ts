// functions/connection-poster.ts signs its own POST @connections instead of going through the SDK's
// middleware (the benchmark's fan-out fix). AWS cannot be called here, so: both the SDK client and the
// poster post to a recording server, and an independent SigV4 check (node:crypto, the published
// algorithm) must accept both — the SDK's request, which AWS accepts, validates the check itself.
// The poster builds its canonical request itself (the SDK's signer costs ~5× the CPU per post), so every
// request it sends is also signed again by @smithy/signature-v4's own `sign`, which must agree exactly.
import { createHash, createHmac } from 'node:crypto';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signingFromEnvironment } from '../functions/aws-signing.ts';
import { createConnectionPoster, POST_TIMEOUT_MS, type ConnectionPosterOptions } from '../functions/connection-poster.ts';
import { isGone, isRetryable, isThrottled } from '../functions/fanout.ts';
import { createKeepAliveHttp } from '../functions/keep-alive-http.ts';
import { RecordingServer, type Recorded } from './support/recording-server.ts';


const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token' };
const REGION = 'eu-west-1';
// An id with every character the SDK's path encoding treats specially.
const CONNECTION_ID = "R1km+xc2/VNjMC=F!*'()IA";

let recorder: RecordingServer;
let endpoint: string;
let recorded: Recorded[];

beforeAll(async () => {
  recorder = await RecordingServer.start();
  recorded = recorder.recorded;
  endpoint = `${recorder.origin}/prod`;
});

afterAll(() => recorder.close());

/** The endpoint's keep-alive sockets, as the fan-out makes them. */
const sockets = (url: string) => createKeepAliveHttp(url, { maxSockets: 8, timeoutMs: POST_TIMEOUT_MS });

type ClientConfig = NonNullable<ConstructorParameters<typeof ApiGatewayManagementApiClient>[0]>;

function setUp(config: Partial<ClientConfig> = {}, options: ConnectionPosterOptions = {}) {
  const client = new ApiGatewayManagementApiClient({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1, ...config });
  const poster = createConnectionPoster(client.config, endpoint, sockets(endpoint), options);
  return { client, poster };
}

/** The Authorization header @smithy/signature-v4's `sign` gives the request as it arrived, at the date it carries. */
async function sdkAuthorization(request: Recorded, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): Promise<string> {
  const signedHeaders = (/SignedHeaders=([^,]+)/.exec(String(request.headers.authorization))?.[1] ?? '').split(';');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = String(request.headers[name]);
  // applyChecksum off: sign exactly the headers the request carries (on, it would add x-amz-content-sha256).
  const signer = new SignatureV4({ service: 'execute-api', region: REGION, credentials, sha256: SHA256, applyChecksum: false });
  const date = String(request.headers['x-amz-date']).replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z');
  const { hostname, port } = new URL(endpoint);
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname, port: Number(port), path: request.url, query: {}, headers, body: request.body },
    { signingDate: new Date(date) },
  );
  return String(signed.headers.authorization);
}

/** The SDK's own hash (node:crypto), counted: plain hashes by input, HMACs by key. */
const SHA256 = new ApiGatewayManagementApiClient({ region: REGION, credentials: CREDENTIALS }).config.sha256;
type Sha256 = InstanceType<typeof SHA256>;
type Source = NonNullable<ConstructorParameters<typeof SHA256>[0]>;
const bytesOf = (data: Source): Buffer =>
  typeof data === 'string' ? Buffer.from(data) : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
function countingSha256() {
  const hashed: Buffer[] = [];
  const keys: string[] = [];
  class Counting {
    private readonly inner: Sha256;
    private readonly keyed: boolean;
    constructor(secret?: Source) {
      this.inner = new SHA256(secret);
      this.keyed = secret !== undefined;
      if (secret !== undefined) keys.push(bytesOf(secret).toString('latin1'));
    }
    update(data: Source): void {
      const bytes = bytesOf(data);
      if (!this.keyed) hashed.push(Buffer.from(bytes));
      this.inner.update(bytes);
    }
    digest(): Promise<Uint8Array> {
      return this.inner.digest();
    }
  }
  return { sha256: Counting, hashed, keys };
}

/** SigV4 as published (non-S3 services: each path segment encoded once more for the canonical URI). */
function signatureIsValid(request: Recorded): boolean {
  const authorization = String(request.headers.authorization);
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!match) return false;
  const [, accessKey, day, region, service, signedHeaders, signature] = match as unknown as string[];
  if (accessKey !== CREDENTIALS.accessKeyId) return false;
  const escape = (segment: string) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalUri = (request.url.split('?')[0] as string).split('/').map(escape).join('/');
  const names = (signedHeaders as string).split(';');
  const canonicalHeaders = names.map((name) => `${name}:${String(request.headers[name]).trim().replace(/\s+/g, ' ')}\n`).join('');
  const payloadHash = createHash('sha256').update(request.body).digest('hex');
  const canonicalRequest = [request.method, canonicalUri, '', canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const date = String(request.headers['x-amz-date']);
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${CREDENTIALS.secretAccessKey}`, day as string), region as string), service as string), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex') === signature;
}

describe('the connection poster', () => {
  it('sends what the SDK sends, signed so that SigV4 verification accepts it', async () => {
    const { client, poster } = setUp();
    const data = Buffer.from(JSON.stringify({ type: 'message', text: 'héllo' }));
    recorded.length = 0;
    await client.send(new PostToConnectionCommand({ ConnectionId: CONNECTION_ID, Data: data }));
    await poster.post(CONNECTION_ID, data);
    const [viaSdk, viaPoster] = recorded as [Recorded, Recorded];

    expect(signatureIsValid(viaSdk)).toBe(true); // the check agrees with the SDK, which AWS accepts
    expect(signatureIsValid(viaPoster)).toBe(true);
    expect(signatureIsValid({ ...viaPoster, body: Buffer.from('tampered') })).toBe(false);
    expect(signatureIsValid({ ...viaPoster, url: viaPoster.url.replace('%3D', '=') })).toBe(false);
    expect(viaPoster.method).toBe(viaSdk.method);
    expect(viaPoster.url).toBe(viaSdk.url);
    expect(viaPoster.body.equals(viaSdk.body)).toBe(true);
    expect(viaPoster.headers['content-type']).toBe(viaSdk.headers['content-type']);
    expect(viaPoster.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
    // The SDK sends the payload's hash as a header too; SigV4 needs it for S3 only (botocore, hence the
    // AWS CLI, posts without it), so the poster leaves it out and signs the payload hash alone.
    expect(viaSdk.headers['x-amz-content-sha256']).toBeDefined();
    expect(viaPoster.headers['x-amz-content-sha256']).toBeUndefined();
    expect(String(viaPoster.headers.authorization)).toContain(`/${REGION}/execute-api/aws4_request`);
    for (const name of ['host', 'x-amz-date', 'x-amz-security-token', 'content-type']) {
      expect(String(viaPoster.headers.authorization)).toMatch(new RegExp(`SignedHeaders=[^,]*\\b${name}\\b`));
    }
  });

  it("signs without a session token too (long-term credentials), with the environment's signing identity", async () => {
    const signing = signingFromEnvironment({ AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_REGION: REGION });
    const poster = createConnectionPoster(signing, endpoint, sockets(endpoint));
    recorded.length = 0;
    await poster.post('abc=', Buffer.from('{}'));
    const [request] = recorded as [Recorded];
    expect(request.headers['x-amz-security-token']).toBeUndefined();
    expect(signatureIsValid(request)).toBe(true);
    const { sessionToken: _unused, ...longTerm } = CREDENTIALS;
    expect(String(request.headers.authorization)).toBe(await sdkAuthorization(request, longTerm));
  });

  it('signs every request exactly as @smithy/signature-v4 signs it', async () => {
    const ids = [CONNECTION_ID, 'abc=', 'R1km+xc2/VNjMC=F', 'with space', 'é💬', '%41', '.', '..', 'a.b', '~_-', ''];
    const bodies = [Buffer.from('{}'), Buffer.from(JSON.stringify({ type: 'message', text: 'héllo 💬' })), Buffer.alloc(0)];
    const { sessionToken: _unused, ...longTerm } = CREDENTIALS;
    for (const credentials of [CREDENTIALS, longTerm]) {
      const { poster } = setUp({ credentials });
      recorded.length = 0;
      for (const body of bodies) await Promise.all(ids.map((id) => poster.post(id, body)));
      expect(recorded).toHaveLength(ids.length * bodies.length);
      for (const request of recorded) {
        expect(String(request.headers.authorization), request.url).toBe(await sdkAuthorization(request, credentials));
        if (/\/\.{1,2}$/.test(request.url)) continue; // dot segments: the check above does not resolve them, the SDK's does
        expect(signatureIsValid(request), request.url).toBe(true);
      }
    }
  });

  it('hashes a broadcast body once for all its posts, and derives the signing key once a day', async () => {
    const counting = countingSha256();
    let now = Date.parse('2026-12-01T23:59:59.500Z');
    const { poster } = setUp({ sha256: counting.sha256 }, { clock: () => now });
    const data = Buffer.from(JSON.stringify({ type: 'message', text: 'to everyone' }));
    recorded.length = 0;
    await Promise.all(Array.from({ length: 50 }, (_, index) => poster.post(`conn${index}=`, data)));
    expect(counting.hashed.filter((input) => input.equals(data))).toHaveLength(1);
    // The SDK's getSigningKey HMACs the secret with the access key to look up its cache: once, not per post.
    const derivations = () => counting.keys.filter((key) => key === CREDENTIALS.secretAccessKey).length;
    expect(derivations()).toBe(1);

    now += 1000; // past midnight: a new day's key, and still the SDK's signature
    await Promise.all(Array.from({ length: 10 }, (_, index) => poster.post(`next${index}=`, data)));
    expect(derivations()).toBe(2);
    expect(counting.hashed.filter((input) => input.equals(data))).toHaveLength(1);
    expect(recorded).toHaveLength(60);
    expect(new Set(recorded.map((request) => /Credential=[^/]+\/(\d{8})/.exec(String(request.headers.authorization))?.[1]))).toEqual(new Set(['20261201', '20261202']));
    for (const request of recorded) {
      expect(String(request.headers.authorization)).toBe(await sdkAuthorization(request, CREDENTIALS));
      expect(signatureIsValid(request)).toBe(true);
    }
  });

  it('signs with refreshed credentials from the next second on, asking the provider once a second', async () => {
    // Expiring within the SDK's refresh window: its memoized provider asks again on every call.
    const expiration = new Date(Date.now() + 60_000);
    let current = { ...CREDENTIALS, expiration };
    let asked = 0;
    let now = Date.parse('2026-12-01T12:00:00.000Z');
    const { poster } = setUp(
      {
        credentials: async () => {
          asked += 1;
          return current;
        },
      },
      { clock: () => now },
    );
    recorded.length = 0;
    await poster.post('abc=', Buffer.from('x'));
    const askedFirst = asked; // the SDK's memoized provider may ask more than once for one call
    await Promise.all(Array.from({ length: 20 }, (_, index) => poster.post(`abc${index}=`, Buffer.from('x'))));
    expect(asked, 'posts of the same second ask the provider no more').toBe(askedFirst);
    current = { ...CREDENTIALS, accessKeyId: 'AKIDROTATED', sessionToken: 'rotated-token', expiration };
    now += 1000;
    await poster.post('abc=', Buffer.from('x'));
    expect(asked).toBeGreaterThan(askedFirst);
    expect(recorded).toHaveLength(22);
    recorded.splice(0, recorded.length - 2);
    const [before, after] = recorded as [Recorded, Recorded];
    expect(String(before.headers.authorization)).toContain('Credential=AKIDEXAMPLE/');
    expect(String(after.headers.authorization)).toContain('Credential=AKIDROTATED/');
    expect(after.headers['x-amz-security-token']).toBe('rotated-token');
    expect(String(after.headers.authorization)).toBe(await sdkAuthorization(after, current));
  });

  it('throws failures shaped like the SDK exceptions the fan-out classifies', async () => {
    const { poster } = setUp();
    const failure = async (status: number, headers?: Record<string, string>, body?: string) => {
      recorder.answer = { status, ...(headers ? { headers } : {}), ...(body ? { body } : {}) };
      try {
        return await poster.post('abc=', Buffer.from('x')).then(() => undefined, (error: unknown) => error);
      } finally {
        recorder.answer = { status: 200 };
      }
    };

    const gone = await failure(410, { 'x-amzn-ErrorType': 'GoneException' }, '{"message":null}');
    expect(gone).toMatchObject({ name: 'GoneException', $metadata: { httpStatusCode: 410 } });
    expect(isGone(gone)).toBe(true);

    const throttled = await failure(429, { 'x-amzn-ErrorType': 'LimitExceededException:http://internal.amazon.com/' }, '{"message":"Too Many Requests"}');
    expect(throttled).toMatchObject({ name: 'LimitExceededException', message: 'Too Many Requests' });
    expect(isThrottled(throttled) && isRetryable(throttled)).toBe(true);

    // Without an error type header, the status decides.
    expect(await failure(410)).toMatchObject({ name: 'GoneException' });
    const forbidden = await failure(403, undefined, '{"Message":"Forbidden"}');
    expect(forbidden).toMatchObject({ name: 'ForbiddenException', message: 'Forbidden' });
    expect(isRetryable(forbidden)).toBe(false);
    expect(isRetryable(await failure(502))).toBe(true);
  });

  it('passes a network failure through, which the fan-out retries', async () => {
    const client = new ApiGatewayManagementApiClient({ endpoint: 'http://127.0.0.1:1/prod', region: REGION, credentials: CREDENTIALS });
    const poster = createConnectionPoster(client.config, 'http://127.0.0.1:1/prod', sockets('http://127.0.0.1:1/prod'));
    const error = await poster.post('abc=', Buffer.from('x')).then(() => undefined, (caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isRetryable(error)).toBe(true);
  });
});
