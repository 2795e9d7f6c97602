// The store against dynalite, the embedded emulator (the same tests run against DynamoDB Local in
// store-dynamodb-local.test.ts).
import { defineStoreTests } from './support/store-contract.ts';
import { startTestTable } from './support/table.ts';

defineStoreTests(() => startTestTable(), { enforcesIndexKeyLimits: false });
