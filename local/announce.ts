// `npm run announce -- "text" [--room R]`: a server-initiated system message, with no client connection,
// through the same chat code and fan-out as the handlers (410s clean up as usual).
// Defaults reach `npm start`; against AWS, pass the stack's outputs:
//   npm run announce -- "maintenance at 18:00" --table <TableName> --callback-url <CallbackUrl> --region eu-west-1
import { parseRoomName } from '../functions/core/room.ts';
import { buildChat, pushFanout } from '../functions/container.ts';
import { SETTINGS } from '../functions/settings.ts';
import { withLocalAwsEnv } from './aws-env.ts';
import { DEFAULT_HOST, LOCAL_STAGE, LOCAL_TABLE_NAME, localPorts } from './local-defaults.ts';
import { commandLine } from './command-line.ts';

const USAGE = `usage: npm run announce -- "text" [--room ROOM]
       npm run announce -- "text" [--room ROOM] --table TABLE --callback-url URL --region REGION
  Sends "text" as a system message to ROOM, or to every room with anyone in it.
  Without --table/--callback-url it reaches \`npm start\` on this machine (PORT, DYNAMODB_PORT as it uses them).
  --room ROOM              one room (it must have someone in it)
  --table TABLE            the DynamoDB table (the stack's TableName output)
  --callback-url URL       the @connections endpoint (the stack's CallbackUrl output)
  --dynamodb-endpoint URL  a DynamoDB emulator
  --region REGION          the AWS region of the stack
  -h, --help               this text`;

const { fail, parse } = commandLine('announce', USAGE);
const { values, positionals } = parse({
  allowPositionals: true,
  options: {
    room: { type: 'string' },
    table: { type: 'string' },
    'callback-url': { type: 'string' },
    'dynamodb-endpoint': { type: 'string' },
    region: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
const text = positionals.join(' ').trim();
if (!text) fail(`nothing to announce\n${USAGE}`, 2);
const room = values.room === undefined ? undefined : parseRoomName(values.room);
if (room && !room.ok) fail(room.error.message, 2);

// The defaults are where `npm start` listens, honouring the same PORT and DYNAMODB_PORT.
const ports = (() => {
  try {
    return localPorts(process.env);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), 2);
  }
})();
const callbackUrl =
  values['callback-url'] ?? (process.env[SETTINGS.callbackUrl.env] || `http://${DEFAULT_HOST}:${ports.port}/${LOCAL_STAGE}`);
const isLocal = ['127.0.0.1', 'localhost'].includes(new URL(callbackUrl).hostname);
const env: NodeJS.ProcessEnv = {
  ...process.env,
  // Unset or empty means the default, as for every setting.
  [SETTINGS.tableName.env]: values.table ?? (process.env[SETTINGS.tableName.env] || LOCAL_TABLE_NAME),
  [SETTINGS.callbackUrl.env]: callbackUrl,
  POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
};
const dynamodbEndpoint =
  values['dynamodb-endpoint'] ?? (process.env[SETTINGS.dynamodbEndpoint.env] || undefined) ?? (isLocal ? `http://${DEFAULT_HOST}:${ports.dynamodbPort}` : undefined);
if (dynamodbEndpoint) env[SETTINGS.dynamodbEndpoint.env] = dynamodbEndpoint;
if (values.region) env.AWS_REGION = values.region;
// The local emulator and gateway accept any credentials; real ones are never needed or sent.
if (isLocal) withLocalAwsEnv(env);
Object.assign(process.env, env); // the SDK reads region and credentials from the environment

try {
  const chat = buildChat(env);
  const occupied = (await chat.roomCounts()).filter((counted) => counted.count > 0).map((counted) => counted.room);
  if (room?.ok && !occupied.includes(room.room)) fail(`no one is in room "${room.room}" (rooms with anyone in them: ${occupied.join(', ') || 'none'})`);
  const rooms = await chat.push(pushFanout(chat), text, room?.ok ? [room.room] : occupied);
  console.log(rooms.length ? `announced to ${rooms.join(', ')}` : 'no one is online: nothing was announced');
} catch (error) {
  if (isLocal && isConnectionRefused(error)) fail(`no local chat answers at ${dynamodbEndpoint ?? callbackUrl}: run \`npm start\` first (or pass --table and --callback-url for a deployed stack)`);
  fail(error instanceof Error ? error.message : String(error));
}

function isConnectionRefused(error: unknown): boolean {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if ('code' in cause && cause.code === 'ECONNREFUSED') return true;
  }
  return error instanceof AggregateError && error.errors.some(isConnectionRefused);
}
