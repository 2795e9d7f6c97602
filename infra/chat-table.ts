// The chat table on AWS, built from the same TABLE_SCHEMA the local start-up uses (functions/table.ts),
// so keys, indexes and projections cannot drift between the emulator and production.
import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { TABLE_SCHEMA, type TableSchema } from '../functions/table.ts';

type KeyType = TableSchema['partitionKey']['type'];

function attributeType(type: KeyType): AttributeType {
  switch (type) {
    case 'S':
      return AttributeType.STRING;
    case 'N':
      return AttributeType.NUMBER;
  }
}

export function createChatTable(scope: Construct, id: string, removalPolicy: RemovalPolicy): Table {
  const { partitionKey, indexes, ttlAttribute } = TABLE_SCHEMA;
  const table = new Table(scope, id, {
    partitionKey: { name: partitionKey.name, type: attributeType(partitionKey.type) },
    // On-demand: costs nothing while nobody chats, no capacity to guess.
    billingMode: BillingMode.PAY_PER_REQUEST,
    // API Gateway closes every socket after 2 h; items carry an expiry so missed $disconnects clean up.
    timeToLiveAttribute: ttlAttribute,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy,
  });
  for (const index of indexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: { name: index.partitionKey.name, type: attributeType(index.partitionKey.type) },
      sortKey: { name: index.sortKey.name, type: attributeType(index.sortKey.type) },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...index.nonKeyAttributes],
    });
  }
  return table;
}
