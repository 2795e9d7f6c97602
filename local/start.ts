// `npm start`: the chat on ws://127.0.0.1:3001 with an embedded emulator on the next port. PORT, HOST,
// DYNAMODB_PORT, TABLE_NAME and DYNAMODB_ENDPOINT (an external emulator such as DynamoDB Local)
// override the defaults (local/local-defaults.ts);
// TTL_SWEEP_INTERVAL_MS sets how often expired items are deleted (0 = never). The handlers' settings
// (functions/settings.ts) are checked before the chat listens. wss:// and https:// share the port, with a
// local CA kept in .wschat/tls/ (TLS=false turns that off; without openssl it is off, with a warning).
import { fileURLToPath } from 'node:url';
import { SettingError, SETTINGS } from '../functions/settings.ts';
import type { LocalChat, LocalChatOptions } from './chat-server.ts';
import { startDynaliteThread } from './dynalite-thread.ts';
import { exposureWarning } from './exposure.ts';
import { TlsSetupError } from './gateway/tls.ts';
import { DEFAULT_HOST, localPorts } from './local-defaults.ts';
import { ttlSweepIntervalFromEnv } from './ttl-sweeper.ts';
import { StageThrottleError, stageThrottleFromEnv, type StageThrottle } from '../infra/stage-throttle.ts';

const started = performance.now();
const host = process.env.HOST ?? DEFAULT_HOST;
const tableName = process.env[SETTINGS.tableName.env];
const dynamodbEndpoint = process.env[SETTINGS.dynamodbEndpoint.env];
const TLS_DIR = fileURLToPath(new URL('../.wschat/tls/', import.meta.url));
let chat: LocalChat;
let throttle: StageThrottle | undefined;
try {
  const { port, dynamodbPort } = localPorts(process.env);
  // The emulator's thread first: it boots while this thread loads the rest of the chat (≈0.1 s each on
  // this machine). Its failure (a taken port) is awaited, and reported, by startLocalChat.
  const emulator = dynamodbEndpoint ? undefined : startDynaliteThread({ port: dynamodbPort });
  emulator?.catch(() => undefined);
  const { startLocalChat } = await import('./chat-server.ts');
  throttle = throttleFromEnv(process.env.THROTTLE) ? stageThrottleFromEnv(process.env) : undefined;
  const options: LocalChatOptions = {
    port,
    host,
    ...(tableName ? { tableName } : {}),
    ...(dynamodbEndpoint ? { dynamodbEndpoint } : {}),
    dynamodbPort,
    dynamodbThread: true,
    ...(throttle ? { throttle } : {}),
    hotReload: process.env.HOT_RELOAD !== 'false',
    log: process.env.QUIET === 'true' ? false : (line: string) => console.log(line),
    ttlSweepIntervalMs: ttlSweepIntervalFromEnv(process.env.TTL_SWEEP_INTERVAL_MS),
  };
  try {
    chat = await startLocalChat({ ...options, ...(emulator ? { emulator } : {}), ...(process.env.TLS === 'false' ? {} : { tls: { dir: TLS_DIR } }) });
  } catch (error) {
    if (!(error instanceof TlsSetupError)) throw error;
    console.error(`npm start: ${error.message}; serving ws:// and http:// only`);
    chat = await startLocalChat(options); // the emulator given was closed with the failed start: a new one
  }
} catch (error) {
  // Each names the setting to change: a stack trace would only bury it.
  console.error(`npm start: ${startFailure(error)}`);
  process.exit(1);
}

/** One line for what a user can fix (a bad setting, a taken port); anything else is a bug and rethrown. */
function startFailure(error: unknown): string {
  if (error instanceof SettingError || error instanceof StageThrottleError) return error.message;
  if (error instanceof Error && 'port' in error && 'code' in error && error.code === 'EADDRINUSE') {
    return `port ${String(error.port)} is in use (another npm start?). Set PORT (the chat) and DYNAMODB_PORT (its emulator, default PORT+1) to free ones.`;
  }
  throw error;
}

/** THROTTLE=true emulates the stack's stage throttling (WSCHAT_THROTTLE_BURST / _RATE, as `npm run deploy` reads them). */
function throttleFromEnv(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw new StageThrottleError(`env THROTTLE: ${JSON.stringify(value)} is not "true" or "false"`);
}

const signIn = process.env[SETTINGS.connectAuth.env] || SETTINGS.connectAuth.default;
// Before the banner, so it is the first thing read.
const warning = exposureWarning({
  host,
  port: chat.gateway.port,
  callbackUrl: chat.callbackUrl,
  connectAuth: Boolean(process.env[SETTINGS.connectToken.env] || process.env[SETTINGS.connectJwtSecret.env]) || signIn !== 'none',
});
if (warning) console.error(`\n${warning}\n`);

console.log(`wschat is listening on ${chat.url} (ready in ${Math.round(performance.now() - started)} ms)`);
console.log(`  DynamoDB: ${chat.dynamodbEndpoint} (table ${chat.tableName})`);
console.log(`  management API: ${chat.callbackUrl}/@connections/{id}`);
if (throttle) console.log(`  throttling: burst ${throttle.burstLimit}, ${throttle.rateLimit}/s per route (THROTTLE=true, the stack's WSCHAT_THROTTLE_BURST / _RATE)`);
console.log(`Browser:  ${chat.url.replace(/^ws/, 'http')}/`);
console.log(`Connect:  npx wscat -c ${chat.url}          then type /nick alice, /help, hello`);
console.log(`      or  npx wscat -c "${chat.url}/?nickname=bob"`);
if (signIn !== 'none') {
  console.log(`Sign-in:  ${SETTINGS.connectAuth.env}=${signIn}: the $connect authorizer runs first; connect with ?token=… (no token: 401, a bad one: 403)`);
}
const secure = chat.gateway.secure;
if (secure) {
  console.log(`TLS:      ${secure.url} and ${secure.callbackUrl} on the same port (handlers trust the local CA); for other clients:`);
  console.log(`          NODE_EXTRA_CA_CERTS=${secure.caPath} npx wscat -c ${secure.url}`);
}

let closing = false;
const shutdown = async () => {
  if (closing) process.exit(1); // a second Ctrl-C forces it
  closing = true;
  console.log('\nshutting down…');
  await chat.close();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
