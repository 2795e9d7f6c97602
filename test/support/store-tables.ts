// The chat table on AWS's DynamoDB Local (a Java process), shaped like test/support/table.ts's dynalite
// table so the same store tests run on both.
import { startDynamoDbLocal } from '../../local/dynamodb-local.ts';
import { tableOn, type TestTable } from './table.ts';

export async function startDynamoDbLocalTable(tableName = 'wschat-test'): Promise<TestTable> {
  return tableOn(await startDynamoDbLocal(), tableName);
}
