// The embedded DynamoDB emulator (dynalite, in-process, in-memory) and table creation from the one
// schema in functions/table.ts. An external emulator (DynamoDB Local) can be used via its endpoint.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { isAwsError } from '../functions/aws-errors.ts';
import { NodeSha256, type AwsSigning } from '../functions/aws-signing.ts';
import { jsonFields } from '../functions/json-values.ts';
import { createDynamoDbHttp, type DynamoDbHttp } from '../functions/store/dynamodb-http.ts';
import { keyAttributes, TABLE_SCHEMA } from '../functions/table.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './aws-env.ts';
import { listenOn } from './listening.ts';

export interface Emulator {
  endpoint: string;
  close(): Promise<void>;
}

/** In this process. Imported on use: `npm start` runs it on a thread instead (dynalite-thread.ts), and its
 * LevelDB stack is a tenth of a second of start-up on this machine. */
export async function startDynalite(port = 0, host = '127.0.0.1'): Promise<Emulator> {
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const bound = await listenOn(server, port, host);
  return {
    endpoint: `http://${host}:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What local requests sign with (the emulators check only that a signature is there). */
export const LOCAL_SIGNING: AwsSigning = {
  credentials: () => Promise.resolve(LOCAL_CREDENTIALS),
  region: () => Promise.resolve(LOCAL_REGION),
  sha256: NodeSha256,
};

/** The store's DynamoDB connection to a local emulator (the handlers build theirs from the environment). */
export function localStoreDynamoDb(endpoint: string): DynamoDbHttp {
  return createDynamoDbHttp({ endpoint, signing: LOCAL_SIGNING });
}

/**
 * Creates the chat table at `endpoint` if it does not exist yet; returns true when it created it. Through
 * the store's own client (no SDK client: its import would be ≈100 ms of every `npm start`).
 */
export async function ensureTable(endpoint: string, tableName: string): Promise<boolean> {
  const db = localStoreDynamoDb(endpoint);
  try {
    if ((await tableStatus(db, tableName)) !== undefined) return false;
    const { partitionKey, indexes } = TABLE_SCHEMA;
    const input: CreateTableCommandInput = {
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: keyAttributes(TABLE_SCHEMA).map((key) => ({ AttributeName: key.name, AttributeType: key.type })),
      KeySchema: [{ AttributeName: partitionKey.name, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.nonKeyAttributes] },
      })),
    };
    await db.call('CreateTable', input);
    // DynamoDB Local (and AWS) create asynchronously: wait until ACTIVE.
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if ((await tableStatus(db, tableName)) === 'ACTIVE') return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`table ${tableName} did not become ACTIVE`);
  } finally {
    db.destroy();
  }
}

/** The table's TableStatus (`CREATING`, `ACTIVE`, …), or undefined when there is no such table. */
async function tableStatus(db: DynamoDbHttp, tableName: string): Promise<string | undefined> {
  let answer: unknown;
  try {
    answer = await db.call('DescribeTable', { TableName: tableName });
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
  const status = jsonFields(jsonFields(answer).get('Table')).get('TableStatus');
  return typeof status === 'string' ? status : 'UNKNOWN';
}
