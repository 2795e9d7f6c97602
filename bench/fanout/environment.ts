// One benchmark environment: the metered emulator with this chat's table, the local gateway running
// the real handlers (connect, disconnect, message, $default) next to the benchmark's reference routes
// (the naive sample pattern, the K-worker split), and the meters. Ours and the references share the
// gateway, the table and the clients, so they see exactly the same load.
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { closeContainer, resetContainer } from '../../functions/container.ts';
import { DEFAULT_SETTINGS } from '../../functions/settings.ts';
import { handler as connectHandler } from '../../functions/handlers/connect.ts';
import { handler as defaultHandler } from '../../functions/handlers/default.ts';
import { handler as disconnectHandler } from '../../functions/handlers/disconnect.ts';
import { handler as messageHandler } from '../../functions/handlers/message.ts';
import { createStore, type ChatStore } from '../../functions/store.ts';
import { withLocalAwsEnv } from '../../local/aws-env.ts';
import { ensureTable, localStoreDynamoDb } from '../../local/dynamodb.ts';
import { localDynamoClient } from '../../local/dynamodb-sdk.ts';
import { startLocalGateway, type LocalGateway, type RouteTarget } from '../../local/gateway/index.ts';
import { startMeteredDynamo, type MeteredDynamo } from '../support/dynamo-meter.ts';
import { HandlerClock, type RouteHandler } from './handler-clock.ts';
import { createNaiveHandler } from './naive-handler.ts';
import { createBarePostsHandler, createSdkPostsHandler, type PostHandler, type PostHandlerOptions } from './post-handlers.ts';
import { startPostMeter, type PostMeter } from '../support/post-meter.ts';
import { createSplitHandler } from './split-handler.ts';

export const TABLE_NAME = 'wschat-bench';
/** The sample's own table: connection ids and nothing else. */
export const SAMPLE_TABLE_NAME = 'wschat-bench-sample-connections';

export interface EnvironmentOptions {
  /** FANOUT_CONCURRENCY for our handlers; default: theirs. */
  concurrency?: number;
  /** Delay the gateway adds to every POST @connections (an AWS-like network round trip). */
  postLatencyMs?: number;
  /** Worker counts to offer as `split-K` routes. */
  splitWorkers?: readonly number[];
  /** Posts in flight per split worker. */
  splitConcurrency?: number;
}

export interface BenchEnvironment {
  url: string;
  gateway: LocalGateway;
  dynamo: MeteredDynamo;
  posts: PostMeter;
  handlers: HandlerClock;
  /** The benchmark's own view of the table, to log clients in without N² announcements. */
  store: ChatStore;
  dynamodb: DynamoDBClient;
  close(): Promise<void>;
}

export async function startEnvironment(options: EnvironmentOptions = {}): Promise<BenchEnvironment> {
  const dynamo = await startMeteredDynamo();
  const dynamodb = localDynamoClient(dynamo.endpoint);
  const storeDb = localStoreDynamoDb(dynamo.endpoint);
  await ensureTable(dynamo.endpoint, TABLE_NAME);
  await dynamodb.send(
    new CreateTableCommand({
      TableName: SAMPLE_TABLE_NAME,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'connectionId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
    }),
  );

  // The handlers read their configuration from the environment, as in Lambda (and as startLocalChat sets it).
  withLocalAwsEnv();
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true'; // EMF lines per invocation would bury the bench's own output
  Object.assign(process.env, {
    TABLE_NAME,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    MEASURE_CAPACITY: 'true',
    // One sender sends every broadcast; the per-connection rate limit would stop it after 30.
    RATE_LIMIT_FRAMES: '0',
  });
  if (options.concurrency) process.env.FANOUT_CONCURRENCY = String(options.concurrency);
  else delete process.env.FANOUT_CONCURRENCY;

  const handlers = new HandlerClock();
  const routes: Record<string, RouteTarget> = {};
  const route = (key: string, handler: RouteHandler) => (routes[key] = handlers.wrap(handler) as RouteTarget);
  route('$connect', connectHandler);
  route('$disconnect', disconnectHandler);
  route('message', messageHandler);
  route('$default', defaultHandler);

  // Routes that need the callback URL are bound once the gateway listens (its port is in the URL).
  let callbackUrl = '';
  const late: Record<string, RouteHandler> = {};
  const bindLate = (key: string, build: () => RouteHandler) => {
    route(key, (event) => (late[key] ??= build())(event));
  };
  bindLate('naive', () => createNaiveHandler({ table: 'chat-table', tableName: TABLE_NAME, dynamodb, callbackUrl }));
  bindLate('naive-sample', () => createNaiveHandler({ table: 'sample-table', tableName: SAMPLE_TABLE_NAME, dynamodb, callbackUrl }));
  bindLate('naive-bounded', () => createNaiveHandler({ table: 'chat-table', tableName: TABLE_NAME, dynamodb, callbackUrl, concurrency: DEFAULT_SETTINGS.fanoutConcurrency }));
  const postHandlers: PostHandler[] = [];
  const posting = (create: (options: PostHandlerOptions) => PostHandler) => () => {
    const handler = create({ callbackUrl, concurrency: DEFAULT_SETTINGS.fanoutConcurrency, connectionIds: () => gateway.connectionIds() });
    postHandlers.push(handler);
    return handler.handle;
  };
  bindLate('sdk-posts', posting(createSdkPostsHandler));
  bindLate('sdk-unbounded', posting((options) => createSdkPostsHandler(options, false)));
  bindLate('bare-posts', posting(createBarePostsHandler));
  for (const workers of options.splitWorkers ?? []) {
    bindLate(`split-${workers}`, () =>
      createSplitHandler({ workers, concurrency: options.splitConcurrency ?? DEFAULT_SETTINGS.fanoutConcurrency, tableName: TABLE_NAME, dynamodb: storeDb, callbackUrl }),
    );
  }

  const posts = startPostMeter();
  const gateway = await startLocalGateway({
    port: 0,
    host: '127.0.0.1',
    stage: 'bench',
    routes,
    log: false,
    ...(options.postLatencyMs ? { faults: { postLatencyMs: options.postLatencyMs } } : {}),
  });
  callbackUrl = gateway.callbackUrl;
  process.env.CALLBACK_URL = callbackUrl;
  resetContainer(); // our handlers build their clients from the environment above on first use

  return {
    url: gateway.url,
    gateway,
    dynamo,
    posts,
    handlers,
    store: createStore(storeDb, { tableName: TABLE_NAME }),
    dynamodb,
    async close() {
      for (const handler of postHandlers) handler.close();
      await gateway.close();
      await closeContainer(); // its deferred tasks, if any, before the emulator they would write to
      posts.stop();
      dynamodb.destroy();
      storeDb.destroy();
      await dynamo.close();
    },
  };
}
