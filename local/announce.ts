// `npm run announce -- "text" [--room R]`: a server-initiated system message, with no client connection,
// through the same chat code and fan-out as the handlers (410s clean up as usual).
// Defaults reach `npm start`; against AWS, pass the stack's outputs:
//   npm run announce -- "maintenance at 18:00" --table <TableName> --callback-url <CallbackUrl> --region eu-west-1
import { parseArgs } from 'node:util';
import { parseRoomName } from '../functions/core/room.ts';
import { buildChat, pushFanout } from '../functions/container.ts';
import { withLocalAwsEnv } from './aws-env.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    room: { type: 'string' },
    table: { type: 'string' },
    'callback-url': { type: 'string' },
    'dynamodb-endpoint': { type: 'string' },
    region: { type: 'string' },
  },
});

const text = positionals.join(' ').trim();
if (!text) {
  console.error('usage: npm run announce -- "text" [--room ROOM] [--table T --callback-url URL --region R]');
  process.exit(2);
}
const room = values.room === undefined ? undefined : parseRoomName(values.room);
if (room && !room.ok) {
  console.error(room.error.message);
  process.exit(2);
}

// The defaults are where `npm start` listens, honouring the same PORT and DYNAMODB_PORT.
const callbackUrl = values['callback-url'] ?? process.env.CALLBACK_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3001}/local`;
const isLocal = new URL(callbackUrl).hostname === '127.0.0.1' || new URL(callbackUrl).hostname === 'localhost';
const env: NodeJS.ProcessEnv = {
  ...process.env,
  TABLE_NAME: values.table ?? process.env.TABLE_NAME ?? 'wschat-local',
  CALLBACK_URL: callbackUrl,
  POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
};
const dynamodbEndpoint = values['dynamodb-endpoint'] ?? process.env.DYNAMODB_ENDPOINT ?? (isLocal ? `http://127.0.0.1:${process.env.DYNAMODB_PORT ?? 3002}` : undefined);
if (dynamodbEndpoint) env.DYNAMODB_ENDPOINT = dynamodbEndpoint;
if (values.region) env.AWS_REGION = values.region;
if (isLocal) {
  // The local emulator and gateway accept any credentials; real ones are never needed or sent.
  withLocalAwsEnv(env);
}
Object.assign(process.env, env); // the SDK reads region and credentials from the environment

const chat = buildChat(env);
const rooms = await chat.push(pushFanout(chat), text, room?.ok ? [room.room] : undefined);
console.log(`announced to ${rooms.join(', ')}`);
