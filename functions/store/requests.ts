// Every DynamoDB request of the store goes through here: counted once, asked for consumed capacity
// once (when measuring), and a failed condition read as an outcome rather than an error.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type GetCommand, type PutCommand, type UpdateCommand, type DeleteCommand } from '@aws-sdk/lib-dynamodb';
import {
  MEMBERS_INDEX,
  MEMBERS_INDEX_PARTITION_KEY,
  MEMBERS_INDEX_SORT_KEY,
  ROOMS_INDEX,
  ROOMS_INDEX_PARTITION_KEY,
  ROOMS_INDEX_SORT_KEY,
} from '../table.ts';
import { isAwsError } from '../aws-errors.ts';
import type { StoreMetrics, StoreOptions } from './types.ts';

export type Item = Record<string, unknown>;

/** What the store reads from any answer (one shape for the five commands it sends). */
export interface StoreOutput {
  Item?: Item;
  Items?: Item[];
  Attributes?: Item;
  LastEvaluatedKey?: Item;
  Count?: number;
}

type StoreCommand = GetCommand | PutCommand | UpdateCommand | DeleteCommand | QueryCommand;

/** One partition of one index, as the store reads it. */
export interface IndexQuery {
  /** Default: the members index. */
  index?: typeof MEMBERS_INDEX | typeof ROOMS_INDEX;
  partition: string;
  /** Only sort keys greater than this. */
  after?: string;
  projection?: string;
  names?: Record<string, string>;
  /** Applied after the read (and after `pageSize`): what it drops still costs the read. */
  filter?: string;
  values?: Record<string, unknown>;
  select?: 'COUNT';
  pageSize?: number;
  /**
   * Pages that start small and grow: the first at most `first` items, each next one at most `growth`
   * times the one before (then DynamoDB's 1 MB stops them); `pageSize` still caps every one.
   */
  growingPages?: { first: number; growth: number };
  /** Descending sort key order (history: newest first; rooms: busiest first). */
  newestFirst?: boolean;
}

/** What each part of the store shares: the table, the clock, and the one way to send. */
export interface StoreRequests {
  readonly TableName: string;
  readonly clock: () => number;
  readonly metrics: StoreMetrics;
  send(command: StoreCommand): Promise<StoreOutput>;
  /** The write's output, or undefined when its condition failed (a lost race, or already done). */
  conditional(command: StoreCommand): Promise<StoreOutput | undefined>;
  /** Every page of one index partition. */
  queryPages(query: IndexQuery): AsyncGenerator<StoreOutput>;
  /** The items of every page of one index partition. */
  queryIndex(query: IndexQuery): AsyncGenerator<Item[]>;
}

export function createRequests(client: DynamoDBClient, options: StoreOptions): StoreRequests {
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  // The SDK's logger middleware copies every answer through its sensitive-data filter for the logger
  // before the logger (the default NoOpLogger: none is configured) discards it: half of the CPU of
  // reading a 1,000-member page. Without it nothing is logged either; the store logs nothing itself.
  db.middlewareStack.remove('loggerMiddleware');
  if (options.measureCapacity) {
    // Once, for every request: the metered emulator of the benchmark adds up what each one consumed.
    db.middlewareStack.add((next) => (args) => next({ ...args, input: { ...args.input, ReturnConsumedCapacity: 'TOTAL' } }), {
      step: 'initialize',
      name: 'returnConsumedCapacity',
    });
  }
  const TableName = options.tableName;
  const metrics: StoreMetrics = { requests: 0 };
  // The document client's `send` is overloaded per command; the store reads one output shape of all five.
  const sendAny = db.send.bind(db) as (command: StoreCommand) => Promise<StoreOutput>;

  async function send(command: StoreCommand): Promise<StoreOutput> {
    metrics.requests += 1;
    return sendAny(command);
  }

  async function conditional(command: StoreCommand): Promise<StoreOutput | undefined> {
    try {
      return await send(command);
    } catch (error) {
      if (isAwsError(error, 'ConditionalCheckFailedException')) return undefined;
      throw error;
    }
  }

  async function* queryPages(query: IndexQuery): AsyncGenerator<StoreOutput> {
    const index = query.index ?? MEMBERS_INDEX;
    let ExclusiveStartKey: Item | undefined;
    let grown = query.growingPages?.first;
    const limitOf = (size: number | undefined) => (size === undefined ? query.pageSize : Math.min(size, query.pageSize ?? size));
    do {
      const page = await send(
        new QueryCommand({
          TableName,
          IndexName: index,
          KeyConditionExpression: query.after === undefined ? '#partition = :partition' : '#partition = :partition AND #sort > :after',
          ExpressionAttributeNames: {
            '#partition': index === ROOMS_INDEX ? ROOMS_INDEX_PARTITION_KEY : MEMBERS_INDEX_PARTITION_KEY,
            ...(query.after === undefined ? {} : { '#sort': index === ROOMS_INDEX ? ROOMS_INDEX_SORT_KEY : MEMBERS_INDEX_SORT_KEY }),
            ...query.names,
          },
          ExpressionAttributeValues: { ':partition': query.partition, ...(query.after === undefined ? {} : { ':after': query.after }), ...query.values },
          ...(query.projection ? { ProjectionExpression: query.projection } : {}),
          ...(query.filter ? { FilterExpression: query.filter } : {}),
          ...(query.select ? { Select: query.select } : {}),
          ...(query.newestFirst ? { ScanIndexForward: false } : {}),
          ExclusiveStartKey,
          Limit: limitOf(grown),
        }),
      );
      ExclusiveStartKey = page.LastEvaluatedKey;
      if (grown !== undefined && query.growingPages) grown *= query.growingPages.growth;
      yield page;
    } while (ExclusiveStartKey);
  }

  async function* queryIndex(query: IndexQuery): AsyncGenerator<Item[]> {
    for await (const page of queryPages(query)) yield page.Items ?? [];
  }

  return { TableName, clock: options.clock ?? Date.now, metrics, send, conditional, queryPages, queryIndex };
}
