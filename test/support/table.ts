// A fresh emulator with the chat table, for tests that use the store directly.
import { ensureTable, localDynamoClient, startDynalite, type Emulator } from '../../local/dynamodb.ts';
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
