// A fresh embedded emulator with the chat table, for tests that use the store directly.
import { ensureTable, localDynamoClient, startDynalite } from '../../local/dynamodb.ts';
import { createStore, type ChatStore, type StoreOptions } from '../../functions/store.ts';

export interface TestTable {
  endpoint: string;
  tableName: string;
  store(options?: Partial<StoreOptions>): ChatStore;
  close(): Promise<void>;
}

export async function startTestTable(tableName = 'wschat-test'): Promise<TestTable> {
  const emulator = await startDynalite();
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
