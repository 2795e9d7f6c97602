// Least privilege, checked against what the handlers really call: each route gets its own chat (as each
// Lambda has its own container) whose DynamoDB and @connections traffic goes through a recording proxy
// in front of the real emulator and the real local gateway. After scenarios that reach every path (logins
// that evict a vanished holder, 410s during fan-out, rooms, history, /i, private messages, leaves), the
// calls seen per handler must equal its grants in infra/handlers.ts: a missing grant would be an
// AccessDenied on AWS, an unused one a permission nobody needs. The `$connect` authorizer runs in front,
// in its widest mode (connectAuth=token: it reads the shared token's secret, from a stand-in). Deferred
// leaves go to an SQS stand-in through the same proxies, and the deferred-work consumer runs them.
import { createServer, request, type Server } from 'node:http';
import { buffer } from 'node:stream/consumers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Chat } from '../functions/chat.ts';
import { LOBBY } from '../functions/core/room.ts';
import { buildChat, consumeContainerLater, resetContainer, type ContainerChat } from '../functions/container.ts';
import { handler as scheduledAnnounce } from '../functions/handlers/scheduled-announce.ts';
import { MEMBERS_INDEX, ROOMS_INDEX } from '../functions/table.ts';
import { withLocalAwsEnv } from '../local/aws-env.ts';
import { ensureTable, startDynalite, type Emulator } from '../local/dynamodb.ts';
import { startLocalGateway, type LambdaHandler, type LocalGateway } from '../local/gateway/index.ts';
import { closeNow, listenOnLoopback } from '../local/listening.ts';
import { CONNECT_IDENTITY_SOURCE } from '../functions/authorizer.ts';
import { buildAuthorizer, resetAuthorizerContainer } from '../functions/authorizer-container.ts';
import { CONNECT_AUTHORIZER, LATER_CONSUMER, ROUTE_HANDLERS, SCHEDULED_ANNOUNCE, type HandlerPermissions } from '../infra/handlers.ts';
import { SecretsManagerStandIn } from './support/secrets-manager.ts';
import { SqsStandIn } from './support/sqs.ts';
import { allGone } from './support/chat.ts';
import { ChatClient } from './support/client.ts';
import { waitUntil } from './support/wait.ts';

const TABLE = 'wschat-permissions';
const STAGE = 'perm';
const QUERY_MEMBERS = `dynamodb:Query on index/${MEMBERS_INDEX}`;
const QUERY_ROOMS = `dynamodb:Query on index/${ROOMS_INDEX}`;
const TOKEN = 'permissions-test-shared-token';
const SECRET_ARN = 'arn:aws:secretsmanager:local:000000000000:secret:wschat-connect-token-AbCdEf';

/** What IAM would be asked to allow, as `dynamodb:<Operation>[ on index/<name>]` or `execute-api:<METHOD>`. */
type Call = string;

/** A proxy that records each request's IAM action, then forwards it (DynamoDB → emulator, @connections → gateway). */
class RecordingProxy {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly calls: ReadonlySet<Call>,
  ) {}

  static async start(dynamodb: URL, gateway: () => URL, sqs: URL, secrets?: URL): Promise<RecordingProxy> {
    const calls = new Set<Call>();
    const server = createServer((req, res) => {
      void buffer(req).then((body) => {
        const target = req.headers['x-amz-target'];
        let upstream: URL;
        if (typeof target === 'string' && target.startsWith('secretsmanager.') && secrets) {
          calls.add(`secretsmanager:${target.slice('secretsmanager.'.length)}`);
          upstream = secrets;
        } else if (typeof target === 'string' && target.startsWith('AmazonSQS.')) {
          calls.add(`sqs:${target.slice('AmazonSQS.'.length)}`);
          upstream = sqs;
        } else if (typeof target === 'string') {
          const operation = target.split('.').pop() ?? target;
          const indexName = operation === 'Query' || operation === 'Scan' ? (JSON.parse(body.toString()) as { IndexName?: string }).IndexName : undefined;
          calls.add(`dynamodb:${operation}${indexName ? ` on index/${indexName}` : ''}`);
          upstream = dynamodb;
        } else {
          calls.add(`execute-api:${req.method ?? '?'}${req.url?.includes('/@connections/') ? '' : ` ${req.url}`}`);
          upstream = gateway();
        }
        const forward = request(
          { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        forward.on('error', () => res.destroy());
        forward.end(body);
      });
    });
    return new RecordingProxy(server, await listenOnLoopback(server), calls);
  }

  close(): Promise<void> {
    return closeNow(this.server);
  }
}

/** The calls a row of infra/handlers.ts allows. */
function granted(permissions: HandlerPermissions): Call[] {
  return [
    ...permissions.items,
    ...(permissions.queryMembers ? [QUERY_MEMBERS] : []),
    ...(permissions.queryRooms ? [QUERY_ROOMS] : []),
    ...permissions.connections.map((method) => `execute-api:${method}`),
    ...(permissions.connectTokenSecret ? ['secretsmanager:GetSecretValue'] : []),
    ...(permissions.scheduleLater ? ['sqs:SendMessage'] : []),
  ].sort();
}

// Which chat method each handler module calls (functions/handlers/*.ts are one line each).
const ROUTE_METHOD: Record<string, (chat: Chat) => LambdaHandler> = {
  $connect: (chat) => (event) => chat.connect(event),
  $disconnect: (chat) => (event) => chat.disconnect(event),
  message: (chat) => (event) => chat.message(event),
  $default: (chat) => (event) => chat.message(event),
};

let emulator: Emulator;
let secrets: SecretsManagerStandIn;
let sqs: SqsStandIn;
let laterChat: ContainerChat;
let gateway: LocalGateway;
const proxies = new Map<string, RecordingProxy>();
const open: ChatClient[] = [];

beforeAll(async () => {
  emulator = await startDynalite();
  await ensureTable(emulator.endpoint, TABLE);
  withLocalAwsEnv();

  // Known once the gateway listens, which is after the proxies in front of it are started.
  const upstream: { gateway?: URL } = {};
  const routes: Record<string, LambdaHandler> = {};
  // Deferred leaves go to the queue (through each handler's proxy), as on AWS, and stay there until
  // the consumer's test runs them.
  sqs = await SqsStandIn.start();
  for (const route of [...ROUTE_HANDLERS.map((r) => r.routeKey), SCHEDULED_ANNOUNCE.id, LATER_CONSUMER.id]) {
    const proxy = await RecordingProxy.start(new URL(emulator.endpoint), () => upstream.gateway as URL, new URL(sqs.endpoint));
    proxies.set(route, proxy);
    if (route === LATER_CONSUMER.id) laterChat = buildChat({ ...process.env, ...stackEnv(proxy) });
    const method = ROUTE_METHOD[route];
    if (!method) continue;
    // Each route its own container, built from the environment the stack gives it; no grace periods, so
    // a dropped socket is evicted on its first 410.
    routes[route] = method(buildChat({ ...process.env, ...stackEnv(proxy) }));
  }
  // The authorizer's container, as the stack configures it in token mode, its SDK client through its proxy.
  secrets = await SecretsManagerStandIn.start(SECRET_ARN, TOKEN);
  const authorizerProxy = await RecordingProxy.start(new URL(emulator.endpoint), () => upstream.gateway as URL, new URL(sqs.endpoint), new URL(secrets.endpoint));
  proxies.set(CONNECT_AUTHORIZER.id, authorizerProxy);
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = authorizerProxy.url;
  const authorize = buildAuthorizer({ CONNECT_AUTH: 'token', CONNECT_TOKEN_SECRET_ARN: SECRET_ARN });
  gateway = await startLocalGateway({
    port: 0,
    stage: STAGE,
    routes,
    authorizer: { handler: (event) => authorize(event), identitySource: [...CONNECT_IDENTITY_SOURCE] },
  });
  upstream.gateway = new URL(gateway.callbackUrl);
}, 60_000);

/**
 * The environment the stack gives a handler, its AWS calls through `proxy`; no grace periods, so a
 * dropped socket is evicted on its first 410.
 */
function stackEnv(proxy: RecordingProxy): Record<string, string> {
  return {
    TABLE_NAME: TABLE,
    DYNAMODB_ENDPOINT: proxy.url,
    CALLBACK_URL: `${proxy.url}/${STAGE}`,
    LATER_QUEUE_URL: SqsStandIn.queueUrlAt(proxy.url),
    LEAVE_TIMERS: 'false',
    CONNECT_GRACE_MS: '0',
    CLAIM_SETTLE_MS: '0',
  };
}

/** Every socket closed and every handler (leaves, evictions) finished: the next test starts from quiet. */
async function settle(): Promise<void> {
  await Promise.all(open.splice(0).map((client) => client.close()));
  await allGone(gateway); // a $disconnect runs after its socket is gone
}
afterEach(settle);

afterAll(async () => {
  await gateway?.close();
  await Promise.all([...proxies.values()].map((proxy) => proxy.close()));
  await secrets?.close();
  await sqs?.close();
  await emulator?.close();
  resetContainer();
  resetAuthorizerContainer();
});

async function connect(query: Record<string, string> = {}): Promise<ChatClient> {
  const client = await ChatClient.connect(gateway.url, { token: TOKEN, ...query });
  open.push(client);
  return client;
}

/** Logs in through `$default` (plain text), or through `message` (JSON) when `viaMessageRoute`. */
async function login(nickname: string, viaMessageRoute = false): Promise<ChatClient> {
  const client = await connect();
  if (viaMessageRoute) client.sendMessage(`/nick ${nickname}`);
  else client.send(`/nick ${nickname}`);
  await client.next('login');
  return client;
}

/**
 * A logged-in connection in `room` whose socket then vanishes without a $disconnect (its item and claim
 * stay). It waits for its own announcements first, so nothing but what the test does next reaches it.
 */
async function ghost(nickname: string, room: string): Promise<void> {
  const client = await login(nickname);
  await client.waitFor((e) => e.type === 'system' && e.text === `${nickname} joined`, `"${nickname} joined"`);
  if (room !== LOBBY) {
    client.send(`/join ${room}`);
    await client.waitFor((e) => e.type === 'system' && e.text === `${nickname} joined` && e.room === room, `"${nickname} joined" in ${room}`);
  }
  client.send('/whoami');
  gateway.dropConnection((await client.next('whoami')).connectionId);
}

/** Sends a command and waits for the event that answers it. */
async function ask(client: ChatClient, text: string, answer: Parameters<ChatClient['next']>[0], viaMessageRoute = false): Promise<void> {
  if (viaMessageRoute) client.sendMessage(text);
  else client.send(text);
  await client.next(answer);
}

describe('IAM grants match what each handler calls', () => {
  it('$connect: a ?nickname= login that evicts a vanished holder, a refused one, and a ?resume= from an open connection', async () => {
    const alice = await login('alice');
    await ghost('ghost1', 'attic');
    await connect({ nickname: 'ghost1' }); // the holder's socket answers 410: evicted, name taken over
    await alice.waitFor((e) => e.type === 'system' && e.text === 'ghost1 joined', '"ghost1 joined"');
    await expect(connect({ nickname: 'alice' })).rejects.toThrow(/409/);
    // ?resume= takes carl's name over from his open connection (closing it); the welcome is deferred
    // work, run here by the consumer (the delay is 0) while the new connection is open.
    const carl = await login('carl');
    const fresh = await connect({ resume: carl.resumeToken(), seq: '0' });
    await carl.whenClosed();
    await waitUntil(() => sqs.messages.some((message) => message.body.includes('"welcome"')));
    expect(await consumeContainerLater(laterChat, sqs.takeEvent())).toEqual({ batchItemFailures: [] });
    expect((await fresh.next('resumed')).nickname).toBe('carl');
  });

  it('message and $default: every command, a 410 in fan-out, a private message to a vanished user', async () => {
    for (const viaMessageRoute of [true, false]) {
      const n = viaMessageRoute ? 'm' : 'd';
      const bob = await login(`bob${n}`, viaMessageRoute);
      const carol = await login(`carol${n}`, viaMessageRoute);
      await ghost(`ghost2${n}`, `cellar${n}`);
      await ask(carol, `/nick ghost2${n}`, 'login', viaMessageRoute); // the holder answers 410: evicted, name taken over
      await ask(bob, `/join hall${n}`, 'room', viaMessageRoute);
      await ghost(`ghost3${n}`, `hall${n}`);
      await ask(bob, 'hello', 'message', viaMessageRoute); // ghost3 answers 410 and is removed
      await ask(bob, `@ghost3${n} psst`, 'error', viaMessageRoute);
      await ask(bob, '/ls', 'users', viaMessageRoute);
      await ask(bob, '/rooms', 'rooms', viaMessageRoute);
      await ask(bob, `/join games${n}`, 'room', viaMessageRoute);
      await ask(bob, 'in games', 'message', viaMessageRoute);
      await ask(bob, '/history', 'history', viaMessageRoute);
      await ask(bob, '/leave', 'room', viaMessageRoute);
      await ask(bob, '/whoami', 'whoami', viaMessageRoute);
      await ask(bob, '/help', 'help', viaMessageRoute);
      await ask(bob, '/i', 'ignore', viaMessageRoute);
      await ask(bob, '/i', 'ignore', viaMessageRoute);
      await ask(bob, `@ghost2${n} hi`, 'private', viaMessageRoute);
      // A resume on a new connection takes the name from the old one, which it closes.
      const dan = await login(`dan${n}`, viaMessageRoute);
      const token = dan.resumeToken();
      await ask(await connect(), `/resume ${token} 0`, 'resumed', viaMessageRoute);
    }
  });

  it('$disconnect: a leave deferred; and one announced at once (SQS refused it) to a room that holds a vanished socket', async () => {
    const dave = await login('dave');
    dave.send('/whoami');
    const daveId = (await dave.next('whoami')).connectionId;
    await login('erin');
    await ghost('ghost4', LOBBY);
    // SQS refuses the deferred leave: $disconnect announces it at once (the broadcast finds ghost4 gone).
    sqs.refusing = { status: 500, type: 'InternalError' };
    try {
      await dave.close();
      // Its $disconnect has started once the gateway has ended the connection, and is done once idle.
      await waitUntil(() => !gateway.connectionIds().includes(daveId));
      await gateway.whenIdle();
    } finally {
      sqs.refusing = undefined;
    }
    expect(proxies.get('$disconnect')?.calls.has('dynamodb:DeleteItem')).toBe(true);
  });

  it('the scheduled announcement: every room, a 410 on the way', async () => {
    const frank = await login('frank');
    await ask(frank, '/join lounge', 'room');
    await login('gina');
    await ghost('ghost5', 'porch');
    const proxy = proxies.get(SCHEDULED_ANNOUNCE.id) as RecordingProxy;
    Object.assign(process.env, stackEnv(proxy));
    resetContainer();
    await scheduledAnnounce();
    await frank.waitFor((e) => e.type === 'system' && / online$/.test(e.text), 'the announcement');
  });

  it('the deferred-work consumer: the leaves that waited, to a room that holds a vanished socket', async () => {
    const hana = await login('hana');
    const ivan = await login('ivan');
    await hana.waitFor((e) => e.type === 'system' && e.text === 'ivan joined', '"ivan joined"');
    await ghost('ghost6', LOBBY);
    ivan.send('/whoami');
    const ivanId = (await ivan.next('whoami')).connectionId;
    await ivan.close();
    await waitUntil(() => !gateway.connectionIds().includes(ivanId));
    await gateway.whenIdle(); // ivan's $disconnect has queued his leave
    // The delay is over: SQS hands the consumer what waited (this test's leave and the earlier tests').
    expect(await consumeContainerLater(laterChat, sqs.takeEvent())).toEqual({ batchItemFailures: [] });
    await hana.waitFor((e) => e.type === 'system' && e.text === 'ivan left', '"ivan left"');
  });

  it('each handler was granted exactly the calls it made', async () => {
    await settle(); // the last leaves and evictions
    const rows = [
      ...ROUTE_HANDLERS.map((route) => ({ name: route.routeKey, spec: route as HandlerPermissions })),
      { name: SCHEDULED_ANNOUNCE.id, spec: SCHEDULED_ANNOUNCE },
      { name: LATER_CONSUMER.id, spec: LATER_CONSUMER },
      { name: CONNECT_AUTHORIZER.id, spec: CONNECT_AUTHORIZER },
    ];
    const seen = Object.fromEntries(rows.map(({ name }) => [name, [...(proxies.get(name)?.calls ?? [])].sort()]));
    console.log(['calls seen per handler:', ...rows.map(({ name }) => `  ${name.padEnd(18)} ${seen[name]?.join(', ')}`)].join('\n'));
    for (const { name, spec } of rows) expect(seen[name], name).toEqual(granted(spec));
  });
});
