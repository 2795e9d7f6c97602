// The chat table on AWS's DynamoDB Local (a Java process), shaped like test/support/table.ts's dynalite
// table so the same store tests run on both.
import { ensureTable, localDynamoClient } from '../../local/dynamodb.ts';
import { startDynamoDbLocal } from '../../local/dynamodb-local.ts';
import { createStore } from '../../functions/store.ts';
import type { TestTable } from './table.ts';

export async function startDynamoDbLocalTable(tableName = 'wschat-test'): Promise<TestTable> {
  const emulator = await startDynamoDbLocal();
  const client = localDynamoClient(emulator.endpoint);
  await ensureTable(client, tableName);
  return {
    endpoint: emulator.endpoint,
    tableName,
    store: (options) => createStore(client, { tableName, ...options }),
    async close() {
      client.destroy();
      await emulator.close();
    },
  };
}
