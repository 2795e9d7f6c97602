// `npm start`: the chat on ws://127.0.0.1:3001 with an embedded emulator. PORT, HOST, TABLE_NAME and
// DYNAMODB_ENDPOINT (an external emulator such as DynamoDB Local) override the defaults;
// TTL_SWEEP_INTERVAL_MS sets how often expired items are deleted (0 = never). The handlers' settings
// (functions/settings.ts) are checked before anything starts.
import { SettingError, SETTINGS } from '../functions/settings.ts';
import { startLocalChat, type LocalChat } from './chat-server.ts';
import { exposureWarning } from './exposure.ts';
import { ttlSweepIntervalFromEnv } from './ttl-sweeper.ts';

const started = performance.now();
const host = process.env.HOST ?? '127.0.0.1';
const tableName = process.env[SETTINGS.tableName.env];
const dynamodbEndpoint = process.env[SETTINGS.dynamodbEndpoint.env];
let chat: LocalChat;
try {
  chat = await startLocalChat({
    port: Number(process.env.PORT ?? 3001),
    host,
    ...(tableName ? { tableName } : {}),
    ...(dynamodbEndpoint ? { dynamodbEndpoint } : {}),
    dynamodbPort: Number(process.env.DYNAMODB_PORT ?? 3002),
    hotReload: process.env.HOT_RELOAD !== 'false',
    log: process.env.QUIET === 'true' ? false : (line: string) => console.log(line),
    ttlSweepIntervalMs: ttlSweepIntervalFromEnv(process.env.TTL_SWEEP_INTERVAL_MS),
  });
} catch (error) {
  if (!(error instanceof SettingError)) throw error;
  // The message names the variable, its value and the rule: a stack trace would only bury it.
  console.error(`npm start: ${error.message}`);
  process.exit(1);
}

// Before the banner, so it is the first thing read.
const warning = exposureWarning({
  host,
  port: chat.gateway.port,
  callbackUrl: chat.callbackUrl,
  connectAuth: Boolean(process.env[SETTINGS.connectToken.env] || process.env[SETTINGS.connectJwtSecret.env]),
});
if (warning) console.error(`\n${warning}\n`);

console.log(`wschat is listening on ${chat.url} (ready in ${Math.round(performance.now() - started)} ms)`);
console.log(`  DynamoDB: ${chat.dynamodbEndpoint} (table ${chat.tableName})`);
console.log(`  management API: ${chat.callbackUrl}/@connections/{id}`);
console.log(`Browser:  ${chat.url.replace(/^ws/, 'http')}/`);
console.log(`Connect:  npx wscat -c ${chat.url}          then type /nick alice, /help, hello`);
console.log(`      or  npx wscat -c "${chat.url}/?nickname=bob"`);

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
