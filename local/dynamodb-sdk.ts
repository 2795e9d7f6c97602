// An SDK DynamoDB client for a local emulator: what tests and the benchmark read and seed tables with,
// and DynamoDB Local's readiness check. The chat and `npm start` use the store's own client
// (functions/store/dynamodb-http.ts, local/dynamodb.ts): the SDK's import is ≈100 ms of a start under tsx.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './aws-env.ts';

export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}
