// Where `npm start` listens and what it calls things, written once: `npm start`, `npm run announce`
// and the local chat read them from here, so the two CLIs always find each other.
import { SettingError } from '../functions/settings.ts';

export const DEFAULT_PORT = 3001;
export const DEFAULT_HOST = '127.0.0.1';
export const LOCAL_STAGE = 'local';
export const LOCAL_TABLE_NAME = 'wschat-local';

export interface LocalPorts {
  /** The gateway (WebSocket, @connections, browser client): PORT. */
  port: number;
  /** The embedded DynamoDB emulator: DYNAMODB_PORT, else the port after the gateway's. */
  dynamodbPort: number;
}

/** PORT and DYNAMODB_PORT from `env`; a value that is not a port fails, naming the variable. */
export function localPorts(env: Readonly<Record<string, string | undefined>>): LocalPorts {
  const port = portFrom(env, 'PORT') ?? DEFAULT_PORT;
  return { port, dynamodbPort: portFrom(env, 'DYNAMODB_PORT') ?? port + 1 };
}

function portFrom(env: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535) {
    throw new SettingError(`${name}=${JSON.stringify(raw)} (from the environment): must be a port number from 0 to 65535`);
  }
  return port;
}
