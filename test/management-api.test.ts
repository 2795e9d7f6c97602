// functions/management-api.ts sends GetConnection and DeleteConnection itself, not through the SDK's
// client. AWS cannot be called here, so both go to a recording server on loopback: ours must be the
// request the SDK's ApiGatewayManagementApiClient sends for the same call (method, path, signed
// headers but the SDK's own bookkeeping), its Authorization what @smithy/signature-v4 derives again at
// the request's date, and an error answer must be classified as the SDK's exception for it is.
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, GetConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpStatusOf } from '../functions/aws-errors.ts';
import { NodeSha256, signingFromEnvironment } from '../functions/aws-signing.ts';
import { POST_TIMEOUT_MS } from '../functions/connection-poster.ts';
import { createFanout, isGone, isRetryable, isThrottled } from '../functions/fanout.ts';
import { createKeepAliveHttp } from '../functions/keep-alive-http.ts';
import type { Logger } from '../functions/log.ts';
import { createManagementApi, type ManagementApi } from '../functions/management-api.ts';
import { SILENT_LOG } from './support/lambda.ts';
import { RecordingServer, type Recorded } from './support/recording-server.ts';


const CREDENTIALS = { accessKeyId: 'AKIDMANAGEMENTAPI', secretAccessKey: 'management-api-test-secret', sessionToken: 'management-api-session' };
const REGION = 'ap-southeast-2';
const ENVIRONMENT = { AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: CREDENTIALS.sessionToken, AWS_REGION: REGION };
// Every character the SDK's path encoding treats specially.
const CONNECTION_ID = "R1km+xc2/VNjMC=F!*'()IA";
/** Headers the SDK's middleware adds and signs for its own bookkeeping (user agent, invocation id, attempt count). */
const SDK_BOOKKEEPING = new Set(['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent']);

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
const sockets = () => createKeepAliveHttp(endpoint, { maxSockets: 8, timeoutMs: POST_TIMEOUT_MS });
/** Ours, signing with the environment's identity as the container does. */
const ours = (env: Readonly<Record<string, string>> = ENVIRONMENT): ManagementApi => createManagementApi(signingFromEnvironment(env), endpoint, sockets());
const sdkClient = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = CREDENTIALS) =>
  new ApiGatewayManagementApiClient({ endpoint, region: REGION, credentials, maxAttempts: 1 });

const CALLS = [
  {
    operation: 'GetConnection',
    status: 200,
    body: '{"ConnectedAt":"2026-12-01T12:00:00.000Z","LastActiveAt":"2026-12-01T12:00:01.000Z","Identity":{"SourceIp":"127.0.0.1"}}',
    ours: (api: ManagementApi, id: string) => api.getConnection(id),
    sdk: (client: ApiGatewayManagementApiClient, id: string) => client.send(new GetConnectionCommand({ ConnectionId: id })),
  },
  {
    operation: 'DeleteConnection',
    status: 204,
    ours: (api: ManagementApi, id: string) => api.deleteConnection(id),
    sdk: (client: ApiGatewayManagementApiClient, id: string) => client.send(new DeleteConnectionCommand({ ConnectionId: id })),
  },
];

function signedHeadersOf(request: Recorded): string[] {
  return (/SignedHeaders=([^,]+)/.exec(String(request.headers.authorization))?.[1] ?? '').split(';');
}

/** The Authorization @smithy/signature-v4's `sign` gives the request as it arrived (its signed headers), at the date it carries. */
async function signedAgain(request: Recorded, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): Promise<string> {
  const names = signedHeadersOf(request);
  const headers = Object.fromEntries(names.map((name) => [name, String(request.headers[name])]));
  const signer = new SignatureV4({ service: 'execute-api', region: REGION, credentials, sha256: NodeSha256 });
  const date = String(request.headers['x-amz-date']).replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z');
  const { hostname, port } = new URL(endpoint);
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname, port: Number(port), path: request.url, query: {}, headers },
    { signingDate: new Date(date), signableHeaders: new Set(names) },
  );
  return String(signed.headers.authorization);
}

/** What a request says to API Gateway, whoever sent it: everything signed but the SDK's bookkeeping and the date. */
function protocol(request: Recorded) {
  const signed = signedHeadersOf(request).filter((name) => !SDK_BOOKKEEPING.has(name));
  return {
    method: request.method,
    url: request.url,
    signed,
    values: Object.fromEntries(signed.filter((name) => name !== 'x-amz-date').map((name) => [name, request.headers[name]])),
    bodyless: request.headers['content-length'] === undefined && request.headers['transfer-encoding'] === undefined,
    scope: /Credential=[^/]+\/\d{8}\/([^,]+),/.exec(String(request.headers.authorization))?.[1],
  };
}

describe('the management API without the SDK', () => {
  it.each(CALLS)('sends the $operation the SDK client sends, signed as SignatureV4 signs it', async (call) => {
    const { sessionToken: _unused, ...longTerm } = CREDENTIALS;
    const { AWS_SESSION_TOKEN: _none, ...longTermEnvironment } = ENVIRONMENT;
    for (const [credentials, env] of [[CREDENTIALS, ENVIRONMENT], [longTerm, longTermEnvironment]] as const) {
      recorder.answer = { status: call.status, headers: { 'content-type': 'application/json' }, ...(call.body ? { body: call.body } : {}) };
      const client = sdkClient(credentials);
      recorded.length = 0;
      try {
        await call.sdk(client, CONNECTION_ID);
        await call.ours(ours(env), CONNECTION_ID);
      } finally {
        client.destroy();
        recorder.answer = { status: 200 };
      }
      const [viaSdk, viaOurs] = recorded as [Recorded, Recorded];
      expect(protocol(viaOurs)).toEqual(protocol(viaSdk));
      expect(protocol(viaOurs).signed).toEqual(signedHeadersOf(viaOurs)); // nothing else signed
      expect(viaOurs.headers['x-amz-security-token']).toBe(credentials === CREDENTIALS ? CREDENTIALS.sessionToken : undefined);
      // The re-derivation is right (it gives the SDK's own Authorization), and gives ours.
      expect(String(viaSdk.headers.authorization)).toBe(await signedAgain(viaSdk, credentials));
      expect(String(viaOurs.headers.authorization)).toBe(await signedAgain(viaOurs, credentials));
    }
  });

  it.each([
    { answer: { status: 410, headers: { 'x-amzn-ErrorType': 'GoneException' }, body: '{"message":null}' }, name: 'GoneException', gone: true, retryable: false },
    // Without x-amzn-ErrorType the SDK says `Unknown`; ours names the status as the poster does. Both classify by status.
    { answer: { status: 410 }, name: 'GoneException', gone: true, retryable: false },
    { answer: { status: 403, headers: { 'x-amzn-ErrorType': 'ForbiddenException' }, body: '{"message":"Forbidden"}' }, name: 'ForbiddenException', gone: false, retryable: false },
    { answer: { status: 403, body: '{"Message":"Forbidden"}' }, name: 'ForbiddenException', gone: false, retryable: false },
    { answer: { status: 500, headers: { 'x-amzn-ErrorType': 'InternalServerErrorException' }, body: '{"message":"Internal server error"}' }, name: 'InternalServerErrorException', gone: false, retryable: true },
    { answer: { status: 500 }, name: 'InternalServerError', gone: false, retryable: true },
  ])('classifies a $answer.status answer as the SDK exception for it ($name)', async (expected) => {
    const client = sdkClient();
    recorder.answer = expected.answer;
    try {
      for (const call of CALLS) {
        const theirs = await call.sdk(client, 'abc=').then(() => undefined, (error: unknown) => error);
        const mine = await call.ours(ours(), 'abc=').then(() => undefined, (error: unknown) => error);
        expect(mine, call.operation).toBeInstanceOf(Error);
        const classified = (error: unknown) => ({ status: httpStatusOf(error), gone: isGone(error), retryable: isRetryable(error), throttled: isThrottled(error) });
        expect(classified(mine), call.operation).toEqual(classified(theirs));
        expect(classified(mine)).toEqual({ status: expected.answer.status, gone: expected.gone, retryable: expected.retryable, throttled: false });
        expect((mine as Error).name, call.operation).toBe(expected.name);
        if (expected.answer.headers) expect((theirs as Error).name, call.operation).toBe(expected.name);
      }
    } finally {
      client.destroy();
      recorder.answer = { status: 200 };
    }
  });
});

describe("the fan-out's GetConnection and DeleteConnection", () => {
  function fanoutWithWarnings(at = endpoint) {
    const warnings: string[] = [];
    const log: Logger = { debug() {}, info() {}, warn: (message) => warnings.push(message), error() {} };
    return { fanout: createFanout({ endpoint: at, concurrency: 4, log, signing: signingFromEnvironment(ENVIRONMENT) }), warnings };
  }

  it('is connected but on a definite 410, and closes without a word when gone already', async () => {
    const { fanout, warnings } = fanoutWithWarnings();
    const outcomes: Record<number, { connected: boolean; warned: string[] }> = {};
    for (const status of [200, 410, 403, 500]) {
      recorder.answer = status === 200 ? { status: 200, body: '{}' } : { status };
      try {
        warnings.length = 0;
        const connected = await fanout.isConnected('abc=');
        await fanout.close('abc=');
        outcomes[status] = { connected, warned: [...warnings] };
      } finally {
        recorder.answer = { status: 200 };
      }
    }
    expect(outcomes).toEqual({
      200: { connected: true, warned: [] },
      410: { connected: false, warned: [] },
      // Unsure: never evict a user on a non-answer; a failed close is logged.
      403: { connected: true, warned: ['getConnection failed', 'deleteConnection failed'] },
      500: { connected: true, warned: ['getConnection failed', 'deleteConnection failed'] },
    });
  });

  it('is connected when the endpoint cannot be reached (unsure)', async () => {
    const { fanout, warnings } = fanoutWithWarnings('http://127.0.0.1:1/prod');
    expect(await fanout.isConnected('abc=')).toBe(true);
    await fanout.close('abc=');
    expect(warnings).toEqual(['getConnection failed', 'deleteConnection failed']);
  });

  it('signs with the environment when given no signing: a missing variable fails it when built, by name', () => {
    const saved = process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_ACCESS_KEY_ID;
    try {
      expect(() => createFanout({ endpoint, concurrency: 1, log: SILENT_LOG })).toThrow(/AWS_ACCESS_KEY_ID/);
    } finally {
      if (saved !== undefined) process.env.AWS_ACCESS_KEY_ID = saved;
    }
  });
});
