// A fresh emulator with the chat table, for tests that use the store directly; and what a table holds.
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { ensureTable, localStoreDynamoDb, startDynalite, type Emulator } from '../../local/dynamodb.ts';
import { localDynamoClient } from '../../local/dynamodb-sdk.ts';
import { PARTITION_KEY } from '../../functions/table.ts';
import { createStore, type ChatStore, type StoreOptions } from '../../functions/store.ts';

export interface TestTable {
  endpoint: string;
  tableName: string;
  store(options?: Partial<StoreOptions>): ChatStore;
  close(): Promise<void>;
}

/** The chat table on embedded dynalite. */
export async function startTestTable(tableName = 'wschat-test'): Promise<TestTable> {
  return tableOn(await startDynalite(), tableName);
}

/** Creates the chat table on a running emulator; closing the table stops the emulator. */
export async function tableOn(emulator: Emulator, tableName = 'wschat-test'): Promise<TestTable> {
  const client = localDynamoClient(emulator.endpoint);
  await ensureTable(emulator.endpoint, tableName);
  const storeDb = localStoreDynamoDb(emulator.endpoint);
  return {
    endpoint: emulator.endpoint,
    tableName,
    store: (options) => createStore(storeDb, { tableName, ...options }),
    async close() {
      client.destroy();
      storeDb.destroy();
      await emulator.close();
    },
  };
}

/**
 * The partition key of every item in the table, e.g. "CONN#…" (every page of a Scan, through a client of
 * its own: the test's own check, beside whatever the handlers' clients do).
 */
export async function partitionKeys(endpoint: string, tableName: string): Promise<string[]> {
  const client = localDynamoClient(endpoint);
  const keys: string[] = [];
  try {
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: tableName, ProjectionExpression: PARTITION_KEY, ExclusiveStartKey }));
      for (const item of page.Items ?? []) keys.push(item[PARTITION_KEY]?.S ?? '');
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  } finally {
    client.destroy();
  }
  return keys;
}

/** The keys of connection and nickname-claim items (CONN#…, NICK#…): what a session leaves behind if it leaks. */
export async function sessionKeys(endpoint: string, tableName: string): Promise<string[]> {
  return (await partitionKeys(endpoint, tableName)).filter((key) => key.startsWith('CONN#') || key.startsWith('NICK#'));
}
