// The whole chat on one machine: the embedded emulator (or an external one), the table, and the local
// gateway calling the very same Lambda handlers. Used by `npm start`, the tests and the benchmark.
import { fileURLToPath } from 'node:url';
import { configuredLogLevel } from '../functions/log.ts';
import { readSettings, SettingError, SETTINGS, type Settings } from '../functions/settings.ts';
import { CONNECT_IDENTITY_SOURCE, NAMING_SIGN_IN_MODES } from '../functions/authorizer.ts';
import { withLocalAwsEnv } from './aws-env.ts';
import { DEFAULT_HOST, DEFAULT_PORT, LOCAL_STAGE, LOCAL_TABLE_NAME } from './local-defaults.ts';
import { ensureTable, localStoreDynamoDb, startDynalite, type Emulator } from './dynamodb.ts';
import { startDynaliteThread } from './dynalite-thread.ts';
import { startLocalGateway, type LocalGateway, type LocalGatewayOptions, type RouteTarget } from './gateway/index.ts';
import { startTtlSweeper, type TtlSweeper } from './ttl-sweeper.ts';

export interface LocalChatOptions {
  port?: number;
  host?: string;
  stage?: string;
  tableName?: string;
  /** An external emulator (e.g. DynamoDB Local); default: dynalite embedded in this process. */
  dynamodbEndpoint?: string;
  /** Port of the embedded dynalite (0 = any free one); fixed in `npm start` so `npm run announce` finds it. */
  dynamodbPort?: number;
  /** Run the embedded dynalite on a worker thread, off the gateway's event loop (`npm start`); default in-process. */
  dynamodbThread?: boolean;
  /**
   * The embedded emulator, already starting (`npm start` starts its thread before it loads the rest of
   * the chat, so the two overlap); instead of starting one. The chat owns it: closed when the chat
   * closes or fails to start. Not with `dynamodbEndpoint`.
   */
  emulator?: Promise<Emulator>;
  /** Load handlers by module path and re-import them when their files change. */
  hotReload?: boolean;
  log?: LocalGatewayOptions['log'];
  limits?: LocalGatewayOptions['limits'];
  faults?: LocalGatewayOptions['faults'];
  /** The gateway's fair admission (defaults: DEFAULT_ADMISSION) and route throttling (default off). */
  admission?: LocalGatewayOptions['admission'];
  throttle?: LocalGatewayOptions['throttle'];
  /** Extra handler environment (e.g. FANOUT_CONCURRENCY); validated at start, applied before the handlers first run. */
  env?: Record<string, string>;
  /** Files served over plain HTTP on the same port; default: the browser client in web/. */
  staticDir?: string;
  /**
   * Delete items past `expiresAt` every this many ms, as DynamoDB TTL would (emulators have no TTL);
   * default 0 = off, so tests and benchmarks see only their own requests. `npm start` turns it on.
   */
  ttlSweepIntervalMs?: number;
  /** wss:// and https:// on the same port (see the gateway's `tls`); default off. */
  tls?: LocalGatewayOptions['tls'];
}

export interface LocalChat {
  url: string;
  callbackUrl: string;
  dynamodbEndpoint: string;
  tableName: string;
  gateway: LocalGateway;
  close(): Promise<void>;
}

const WEB_CLIENT_DIR = fileURLToPath(new URL('../web/', import.meta.url));
const handlerFile = (name: string) => fileURLToPath(new URL(`../functions/handlers/${name}.ts`, import.meta.url));

export async function startLocalChat(options: LocalChatOptions = {}): Promise<LocalChat> {
  const tableName = options.tableName ?? LOCAL_TABLE_NAME;
  // The handlers' environment as startOn sets it, checked now: a bad value fails the start, naming
  // the variable, instead of every event once the chat is up.
  const env = { ...process.env, [SETTINGS.tableName.env]: tableName, ...options.env };
  let emulator: Emulator | undefined;
  try {
    if (options.emulator && options.dynamodbEndpoint) throw new Error('startLocalChat: emulator and dynamodbEndpoint are alternatives: give one');
    const settings = readSettings(env, 'the environment');
    // CONNECT_AUTH and what its mode needs, checked now too. Imported only for a sign-in mode: the JWT
    // verifier's jose is ≈130 ms of a start under tsx, and CONNECT_AUTH=none (the default) needs nothing.
    if (settings.connectAuth !== 'none') (await import('../functions/authorizer-container.ts')).buildAuthorizer(env);
    checkNicknameFromClaim(settings);
    const startEmulator = () => (options.dynamodbThread ? startDynaliteThread({ port: options.dynamodbPort ?? 0 }) : startDynalite(options.dynamodbPort ?? 0));
    const dynamodbEndpoint = options.dynamodbEndpoint ?? (emulator = await (options.emulator ?? startEmulator())).endpoint;
    return await startOn(dynamodbEndpoint, tableName, options, emulator);
  } catch (error) {
    // A bad setting, a taken port: do not leave the emulator running (one given may still be starting).
    await (emulator ?? (await options.emulator?.catch(() => undefined)))?.close();
    throw error;
  }
}

/**
 * NICKNAME_FROM_CLAIM needs a sign-in that names each user; without one it would quietly do nothing.
 * Checked here, where CONNECT_AUTH is read, not by the handlers: on AWS they are not given CONNECT_AUTH
 * (the stack refuses the same combination, infra/config.ts).
 */
function checkNicknameFromClaim(settings: Settings): void {
  if (!settings.nicknameFromClaim || NAMING_SIGN_IN_MODES.includes(settings.connectAuth)) return;
  const auth = SETTINGS.connectAuth.env;
  const legacy = [settings.connectToken ? SETTINGS.connectToken.env : null, settings.connectJwtSecret ? SETTINGS.connectJwtSecret.env : null].filter((name) => name !== null);
  const why =
    settings.connectAuth === 'token'
      ? `${auth}=token: the shared token names nobody`
      : legacy.length
        ? `${auth}=none (the default), and the legacy ${legacy.join(' and ')} check names nobody`
        : `${auth}=none (the default): there is no sign-in`;
  throw new SettingError(`${SETTINGS.nicknameFromClaim.env}=true (from the environment) needs ${auth}=jwt, a sign-in that names each user; ${why}`);
}

async function startOn(dynamodbEndpoint: string, tableName: string, options: LocalChatOptions, emulator?: Emulator): Promise<LocalChat> {
  await ensureTable(dynamodbEndpoint, tableName);

  // The handlers read their configuration from the environment, exactly as in Lambda.
  withLocalAwsEnv();
  // The metrics the handlers would publish (EMF, one JSON line per invocation on stdout) are shown at
  // DEBUG only: at other levels they would drown the one line per event. POWERTOOLS_METRICS_DISABLED wins.
  process.env.POWERTOOLS_METRICS_DISABLED ??= String(configuredLogLevel({ ...process.env, ...options.env }) !== 'DEBUG');
  // This process lives between events, so a leave can wait out the resume grace on a timer (unless
  // deferred work is sent to a queue: a test of that path, with a stand-in for SQS).
  if (!({ ...process.env, ...options.env })[SETTINGS.laterQueueUrl.env]) process.env[SETTINGS.leaveTimers.env] ??= 'true';
  Object.assign(process.env, { [SETTINGS.tableName.env]: tableName, [SETTINGS.dynamodbEndpoint.env]: dynamodbEndpoint }, options.env);

  const routes: Record<string, RouteTarget> = options.hotReload
    ? {
        $connect: { module: handlerFile('connect') },
        $disconnect: { module: handlerFile('disconnect') },
        message: { module: handlerFile('message') },
        $default: { module: handlerFile('default') },
      }
    : await inProcessHandlers();
  // In-process handlers share this process's container: reset it so it re-reads the environment.
  const container = options.hotReload
    ? null
    : { ...(await import('../functions/container.ts')), ...(await import('../functions/authorizer-container.ts')) };

  const gateway = await startLocalGateway({
    port: options.port ?? DEFAULT_PORT,
    host: options.host ?? DEFAULT_HOST,
    stage: options.stage ?? LOCAL_STAGE,
    routes,
    hotReload: options.hotReload ?? false,
    log: options.log ?? false,
    staticDir: options.staticDir ?? WEB_CLIENT_DIR,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.admission ? { admission: options.admission } : {}),
    ...(options.throttle ? { throttle: options.throttle } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(await authorizerFor(options.hotReload ?? false)),
  });
  process.env[SETTINGS.callbackUrl.env] = gateway.callbackUrl;
  container?.resetContainer(); // the next event builds the chat from the environment set above
  container?.resetAuthorizerContainer();

  const sweepIntervalMs = options.ttlSweepIntervalMs ?? 0;
  const sweeperClient = sweepIntervalMs > 0 ? localStoreDynamoDb(dynamodbEndpoint) : undefined;
  let sweeper: TtlSweeper | undefined;
  if (sweeperClient) {
    const log = options.log === true ? (line: string) => console.log(line) : options.log || undefined;
    sweeper = startTtlSweeper({ client: sweeperClient, tableName, intervalMs: sweepIntervalMs, ...(log ? { log } : {}) });
  }

  return {
    url: gateway.url,
    callbackUrl: gateway.callbackUrl,
    dynamodbEndpoint,
    tableName,
    gateway,
    async close() {
      await sweeper?.close();
      sweeperClient?.destroy();
      await gateway.close();
      await container?.closeContainer(); // before the emulator its deferred tasks would write to (and reset)
      await emulator?.close();
      container?.resetAuthorizerContainer();
    },
  };
}

/** Imported only when used: with hot reload the gateway imports the handler modules itself (start-up time). */
async function inProcessHandlers(): Promise<Record<string, RouteTarget>> {
  const [connect, disconnect, message, fallback] = await Promise.all([
    import('../functions/handlers/connect.ts'),
    import('../functions/handlers/disconnect.ts'),
    import('../functions/handlers/message.ts'),
    import('../functions/handlers/default.ts'),
  ]);
  return { $connect: connect.handler, $disconnect: disconnect.handler, message: message.handler, $default: fallback.handler };
}

/**
 * With CONNECT_AUTH=jwt or token, the authorizer the stack deploys, on `$connect` only, with the
 * stack's identity source: a handshake without `?token=` gets 401 and the function is not called.
 */
async function authorizerFor(hotReload: boolean): Promise<Pick<LocalGatewayOptions, 'authorizer'>> {
  if ((process.env[SETTINGS.connectAuth.env] ?? SETTINGS.connectAuth.default) === 'none') return {};
  const handler = hotReload ? { module: handlerFile('authorizer') } : (await import('../functions/handlers/authorizer.ts')).handler;
  return { authorizer: { handler, identitySource: [...CONNECT_IDENTITY_SOURCE] } };
}
