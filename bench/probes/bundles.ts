// Each Lambda handler as it ships: bundled by esbuild with the stack's own options (infra/bundling.ts),
// then run in a fresh `node` several times to time its init as a cold start pays it: the import of the
// bundle (module load) *and* its first invocation, which builds the container (settings, SDK clients,
// the chat) and makes the handler's first requests. The first invocation is a realistic one, against
// the embedded emulator (on its own thread, with this chat's table and a room of logged-in users) and a
// stub `@connections` endpoint that answers as API Gateway does (200 and a request id to a POST):
//   connect: `$connect` (writes the connection); message, default: a chat line from a logged-in user to
//   a room of ROOM members (frame counter, seq counter, members Query, history write, posts);
//   disconnect: a logged-in user's `$disconnect` (connection, claim, room counter, resume record, and
//   the leave deferred to the queue for the resume grace, as deployed); later: that deferred leave, of a
//   user who did not come back (its announcement to the room); scheduled-announce: "N users online" to every room; authorizer: a JWT
//   checked against a loopback OIDC issuer (discovery, JWKS fetch, RS256 verification).
// Each runs with what the stack gives every handler and that changes its init: BUNDLE_ENV (its stack
// traces source-mapped) and the deferred-work queue (a stand-in for SQS's SendMessage).
// All of it over loopback HTTP: no TLS handshake, no network round trip, which a Lambda's first requests
// to DynamoDB and API Gateway also pay (tens of ms); the runtime's own start is not in it either.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Charset } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build } from 'esbuild';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { LOBBY } from '../../functions/core/room.ts';
import { createStore, type ChatStore } from '../../functions/store.ts';
import { BUNDLING, BUNDLE_ENV, PROJECT_ROOT, shipPackageFiles } from '../../infra/bundling.ts';
import { LOCAL_AWS_ENV } from '../../local/aws-env.ts';
import { startDynaliteThread } from '../../local/dynalite-thread.ts';
import { ensureTable, localStoreDynamoDb } from '../../local/dynamodb.ts';
import { closeNow, listenOn, LOOPBACK } from '../../local/listening.ts';
import { buildConnectEvent, buildDisconnectEvent, buildMessageEvent, type ApiFacts } from '../../local/gateway/lambda-events.ts';
import { SqsStandIn } from '../../test/support/sqs.ts';
import { percentile } from '../report/stats.ts';

const run = promisify(execFile);

export interface BundleFigures {
  handler: string;
  /** Minified code (index.mjs), without the source map. */
  bytes: number;
  /** Import plus first invocation in a fresh process, ms: median and worst of `runs`. */
  initMs: { p50: number; max: number; runs: number };
  /** Of which the import alone, and the first invocation alone (medians). */
  importMs: number;
  firstCallMs: number;
  /** What the first invocation was. */
  firstCall: string;
}

const HANDLERS_DIR = join(PROJECT_ROOT, 'functions', 'handlers');
const TABLE = 'wschat-init-probe';
/** Logged-in members of the room a first message goes to. */
export const ROOM = 100;
const AUDIENCE = 'wschat-init-probe';
/**
 * Of what Lambda's runtime sets in an execution environment (reserved: a function cannot set them), the
 * variables the bundles read to know where they run: functions/metrics.ts finds the running invocation
 * without AsyncLocalStorage under AWS_LAMBDA_RUNTIME_API, Powertools reads the initialization type. The
 * handler's name is added per bundle.
 */
const LAMBDA_RUNTIME_ENV = { AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001', AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' };

interface FirstCall {
  describe: string;
  /** The event (and whether the handler takes a Lambda context), made fresh for each run. */
  event(run: number): Promise<{ event: unknown; withContext: boolean }>;
  /** Throws if the invocation did not do what `describe` says (beyond answering a success). */
  check?(): void;
}

export async function measureBundles(outdir: string, runs = 5): Promise<BundleFigures[]> {
  const handlers = readdirSync(HANDLERS_DIR)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -3))
    .sort();
  const stage = await startStage();
  try {
    const bundles = [];
    for (const handler of handlers) {
      const dir = join(outdir, handler);
      mkdirSync(dir, { recursive: true });
      const outfile = join(dir, 'index.mjs');
      await build({
        entryPoints: [join(HANDLERS_DIR, `${handler}.ts`)],
        outfile,
        bundle: true,
        platform: 'node',
        format: BUNDLING.format === 'esm' ? 'esm' : 'cjs',
        target: BUNDLING.target ?? 'node22',
        mainFields: BUNDLING.mainFields ?? ['module', 'main'],
        minify: BUNDLING.minify ?? true,
        sourcemap: BUNDLING.sourceMap ?? true,
        sourcesContent: BUNDLING.sourcesContent ?? false,
        charset: BUNDLING.charset === Charset.UTF8 ? 'utf8' : 'ascii',
        logLevel: 'error',
      });
      // The files the stack's bundling copies beside each bundle (the confusables table), copied the same way.
      await run('bash', ['-c', shipPackageFiles(dir).join(' && ')]);
      const env = { ...stage.env, ...LAMBDA_RUNTIME_ENV, AWS_LAMBDA_FUNCTION_NAME: `wschat-${handler}` };
      bundles.push({ handler, outfile, env, first: stage.firstCall(handler), times: [] as { importMs: number; callMs: number }[] });
    }
    // Round by round, each handler once per round: a slower minute of this shared machine then falls on
    // every handler alike, rather than on the one whose runs it happened to hold.
    for (let index = 0; index < runs; index += 1) {
      for (const bundle of bundles) {
        bundle.times.push(await coldStart(bundle.outfile, await bundle.first.event(index), bundle.env));
        bundle.first.check?.();
      }
    }
    const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
    const figures: BundleFigures[] = bundles.map(({ handler, outfile, first, times }) => {
      const totals = times.map((t) => t.importMs + t.callMs).sort((a, b) => a - b);
      return {
        handler,
        bytes: statSync(outfile).size,
        initMs: { p50: percentile(totals, 50), max: totals.at(-1) ?? Number.NaN, runs },
        importMs: median(times.map((t) => t.importMs)),
        firstCallMs: median(times.map((t) => t.callMs)),
        firstCall: first.describe,
      };
    });
    return figures;
  } finally {
    await stage.close();
  }
}

const CHILD = `
const events = JSON.parse(process.env.PROBE_EVENT);
const context = { getRemainingTimeInMillis: () => 10000, functionName: 'probe', awsRequestId: 'probe' };
const t0 = performance.now();
const { handler } = await import(process.env.BUNDLE_URL);
const t1 = performance.now();
const result = events.withContext ? await handler(events.event, context) : await handler(events.event);
const t2 = performance.now();
process.stdout.write('\\nPROBE ' + JSON.stringify({ importMs: t1 - t0, callMs: t2 - t1, result }) + '\\n');
`;

/** One fresh process: import the bundle, then one invocation; the clock starts inside it (node's own start excluded). */
async function coldStart(file: string, first: { event: unknown; withContext: boolean }, env: Record<string, string>): Promise<{ importMs: number; callMs: number }> {
  const { stdout } = await run(process.execPath, ['--no-warnings', '--input-type=module', '-e', CHILD], {
    env: { PATH: process.env.PATH ?? '', ...env, BUNDLE_URL: pathToFileURL(file).href, PROBE_EVENT: JSON.stringify(first) },
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = stdout.split('\n').findLast((text) => text.startsWith('PROBE '));
  if (!line) throw new Error(`${file}: no timing in its output`);
  const parsed: unknown = JSON.parse(line.slice('PROBE '.length));
  if (!isTiming(parsed)) throw new Error(`${file}: ${line}`);
  const failed = failure(parsed.result);
  if (failed) throw new Error(`${file}: its first invocation failed: ${failed}`);
  return parsed;
}

function isTiming(value: unknown): value is { importMs: number; callMs: number; result: unknown } {
  return typeof value === 'object' && value !== null && 'importMs' in value && typeof value.importMs === 'number' && 'callMs' in value && typeof value.callMs === 'number';
}

/** Why a handler's answer is not a success, or null. */
function failure(result: unknown): string | null {
  if (typeof result !== 'object' || result === null) return null;
  if ('statusCode' in result && typeof result.statusCode === 'number' && result.statusCode >= 300) return JSON.stringify(result);
  if ('batchItemFailures' in result && Array.isArray(result.batchItemFailures) && result.batchItemFailures.length > 0) return JSON.stringify(result);
  if ('policyDocument' in result && !JSON.stringify(result.policyDocument).includes('"Allow"')) return JSON.stringify(result);
  return null;
}

interface Stage {
  env: Record<string, string>;
  firstCall(handler: string): FirstCall;
  close(): Promise<void>;
}

/** The emulator with a room of ROOM logged-in members, the stub @connections endpoint and an OIDC issuer. */
async function startStage(): Promise<Stage> {
  const dynamo = await startDynaliteThread();
  await ensureTable(dynamo.endpoint, TABLE);
  const storeDb = localStoreDynamoDb(dynamo.endpoint);
  const store = createStore(storeDb, { tableName: TABLE });
  const connections = await listen(answerLikeApiGateway);
  const issuer = await startIssuer();
  const queue = await SqsStandIn.start();
  const api: ApiFacts = { apiId: 'probe', stage: 'probe', domainName: `127.0.0.1:${connections.port}` };
  const callbackUrl = `http://${api.domainName}/${api.stage}`;
  let next = 0;
  const user = () => seedUser(store, `probe${(next += 1)}`);
  for (let index = 0; index < ROOM; index += 1) await user();
  const facts = (connectionId: string) => ({ connectionId, connectedAt: Date.now() - 60_000, sourceIp: '127.0.0.1', userAgent: 'init-probe' });
  const chatLine = (routeKey: string, body: string): FirstCall => ({
    describe: `a chat line to a room of ${ROOM}`,
    event: async () => ({ event: buildMessageEvent(api, facts((await user()).connectionId), routeKey, body, Date.now()), withContext: true }),
  });
  const calls: Record<string, FirstCall> = {
    connect: {
      describe: '$connect (writes the connection)',
      event: async (run) => ({ event: buildConnectEvent(api, facts(`probeConnect${run}=`), { rawHeaders: ['Host', api.domainName], url: `/${api.stage}`, port: connections.port }, Date.now()), withContext: true }),
    },
    default: chatLine('$default', 'hello everyone'),
    message: chatLine('message', JSON.stringify({ action: 'message', text: 'hello everyone' })),
    disconnect: {
      describe: `a logged-in user's $disconnect, its leave deferred to the queue`,
      event: async () => ({ event: buildDisconnectEvent(api, facts((await user()).connectionId), 1001, '', Date.now()), withContext: true }),
      check() {
        const deferred = queue.messages.splice(0);
        if (deferred.length !== 1) throw new Error(`$disconnect deferred ${deferred.length} tasks to the queue, not its leave`);
      },
    },
    later: {
      describe: `a deferred leave, told to a room of ${ROOM}`,
      event: async () => {
        const gone = await user();
        await store.deleteConnection(gone.connectionId);
        await store.markAway(gone.key, gone.connectionId, { at: Date.now(), room: LOBBY, ignoring: false, leftAnnounced: false });
        const task = { kind: 'leave', endpoint: callbackUrl, nicknameKey: gone.key, nickname: gone.key, room: LOBBY, awayFrom: gone.connectionId };
        return { event: { Records: [sqsRecord(JSON.stringify(task))] }, withContext: true };
      },
    },
    'scheduled-announce': {
      describe: `"N users online" to every room (one, of ${ROOM} or more)`,
      event: async () => ({ event: { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }, withContext: true }),
    },
    authorizer: {
      describe: 'a JWT checked against an OIDC issuer (discovery, JWKS, RS256)',
      event: async () => ({
        event: { type: 'REQUEST', methodArn: 'arn:aws:execute-api:us-east-1:123456789012:probe/probe/$connect', queryStringParameters: { token: await issuer.token() }, requestContext: { connectionId: 'probeAuth=', routeKey: '$connect' } },
        withContext: false,
      }),
    },
  };
  return {
    env: {
      ...LOCAL_AWS_ENV,
      TABLE_NAME: TABLE,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      CALLBACK_URL: callbackUrl,
      CONNECT_AUTH: 'jwt',
      JWT_ISSUER: issuer.url,
      JWT_AUDIENCE: AUDIENCE,
      LATER_QUEUE_URL: queue.queueUrl,
      ...BUNDLE_ENV,
    },
    firstCall(handler) {
      const call = calls[handler];
      if (!call) throw new Error(`no first invocation defined for handler ${handler} (bench/probes/bundles.ts)`);
      return call;
    },
    async close() {
      storeDb.destroy();
      await Promise.all([connections.close(), issuer.close(), queue.close(), dynamo.close()]);
    },
  };
}

/** A logged-in lobby member with a resume record, as a login leaves it (written through the chat's store). */
async function seedUser(store: ChatStore, key: string): Promise<{ connectionId: string; key: string }> {
  const connectionId = `${key}=`;
  const now = Date.now() - 60_000;
  await store.createConnection(connectionId, now);
  const loginSeq = (await store.beginLogin(connectionId)) ?? 1;
  await store.claimNickname(key, key, connectionId, now, loginSeq);
  await store.setNickname(connectionId, key, key, LOBBY, loginSeq, { session: `session-${key}` });
  await store.enterRoom(LOBBY);
  await store.issueResume(key, { nickname: key, tokenHash: 'probe', connectionId, loginSeq, room: LOBBY, ignoring: false, expiresAt: Math.floor(Date.now() / 1000) + 600, session: `session-${key}`, sub: null });
  return { connectionId, key };
}

function sqsRecord(body: string) {
  return {
    messageId: randomUUID(),
    receiptHandle: 'probe',
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'probe', ApproximateFirstReceiveTimestamp: String(Date.now()) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:probe',
    awsRegion: 'us-east-1',
  };
}

/** `@connections` as API Gateway answers it: POST 200 (empty, with a request id), GET 200 with the connection, DELETE 204. */
function answerLikeApiGateway(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on('end', () => {
    const id = { 'x-amzn-RequestId': randomUUID() };
    if (req.method === 'POST') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '0', ...id }).end();
    } else if (req.method === 'GET') {
      const at = new Date().toISOString();
      const body = JSON.stringify({ connectedAt: at, identity: { sourceIp: '127.0.0.1', userAgent: 'init-probe' }, lastActiveAt: at });
      res.writeHead(200, { 'Content-Type': 'application/json', ...id }).end(body);
    } else {
      res.writeHead(204, id).end();
    }
  });
}

async function listen(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer(handle);
  return { server, port: await listenOn(server, 0, LOOPBACK), close: () => closeNow(server) };
}

/** A loopback OIDC issuer: discovery document, JWKS with one RS256 key, and tokens it signs. */
async function startIssuer(): Promise<{ url: string; token(): Promise<string>; close(): Promise<void> }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'probe', alg: 'RS256', use: 'sig' };
  const holder = { url: '' };
  const http = await listen((req, res) => {
    const body =
      req.url === '/.well-known/openid-configuration'
        ? { issuer: holder.url, jwks_uri: `${holder.url}/jwks.json`, id_token_signing_alg_values_supported: ['RS256'] }
        : req.url === '/jwks.json'
          ? { keys: [jwk] }
          : null;
    res.writeHead(body ? 200 : 404, { 'Content-Type': 'application/json' }).end(JSON.stringify(body ?? {}));
  });
  holder.url = `http://127.0.0.1:${http.port}`;
  return {
    url: holder.url,
    token: () =>
      new SignJWT({ sub: 'probe-user', name: 'probe' })
        .setProtectedHeader({ alg: 'RS256', kid: 'probe', typ: 'JWT' })
        .setIssuer(holder.url)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey),
    close: http.close,
  };
}
