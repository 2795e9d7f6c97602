// Every DynamoDB request of the store goes through here: written in plain values and marshalled to
// DynamoDB JSON (by the SDK's own @aws-sdk/util-dynamodb, as its document client does), counted once,
// asked for consumed capacity once (when measuring), and a failed condition read as an outcome rather
// than an error. They travel over dynamodb-http.ts.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DeleteCommandInput, GetCommandInput, PutCommandInput, QueryCommandInput, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  MEMBERS_INDEX,
  MEMBERS_INDEX_PARTITION_KEY,
  MEMBERS_INDEX_SORT_KEY,
  ROOMS_INDEX,
  ROOMS_INDEX_PARTITION_KEY,
  ROOMS_INDEX_SORT_KEY,
} from '../table.ts';
import { isAwsError } from '../aws-errors.ts';
import { isJsonObject } from '../json-values.ts';
import type { DynamoDbHttp, DynamoDbOperation } from './dynamodb-http.ts';
import type { StoreMetrics, StoreOptions } from './types.ts';

export type Item = Record<string, unknown>;

/** What the store reads from any answer (one shape for the five operations it sends). */
export interface StoreOutput {
  Item?: Item;
  Items?: Item[];
  Attributes?: Item;
  LastEvaluatedKey?: Item;
  Count?: number;
}

/** One operation and its input in plain values (the document client's input types). */
export type StoreCommand =
  | { operation: 'GetItem'; input: GetCommandInput }
  | { operation: 'PutItem'; input: PutCommandInput }
  | { operation: 'UpdateItem'; input: UpdateCommandInput }
  | { operation: 'DeleteItem'; input: DeleteCommandInput }
  | { operation: 'Query'; input: QueryCommandInput };

export const getItem = (input: GetCommandInput): StoreCommand => ({ operation: 'GetItem', input });
export const putItem = (input: PutCommandInput): StoreCommand => ({ operation: 'PutItem', input });
export const updateItem = (input: UpdateCommandInput): StoreCommand => ({ operation: 'UpdateItem', input });
export const deleteItem = (input: DeleteCommandInput): StoreCommand => ({ operation: 'DeleteItem', input });
export const queryItems = (input: QueryCommandInput): StoreCommand => ({ operation: 'Query', input });

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

export function createRequests(db: DynamoDbHttp, options: StoreOptions): StoreRequests {
  const TableName = options.tableName;
  const metrics: StoreMetrics = { requests: 0 };
  // Once, for every request: the metered emulator of the benchmark adds up what each one consumed.
  const extra = options.measureCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {};

  async function send(command: StoreCommand): Promise<StoreOutput> {
    metrics.requests += 1;
    return outputOf(command.operation, await db.call(command.operation, { ...toWire(command.input), ...extra }));
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
        queryItems({
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

/** The input's plain values (keys, items, expression values) as DynamoDB JSON; undefined values left out. */
function toWire(input: StoreCommand['input']): Record<string, unknown> {
  const wire = new Map<string, unknown>(Object.entries(input));
  for (const field of ['Key', 'Item', 'ExpressionAttributeValues', 'ExclusiveStartKey']) {
    const value = wire.get(field);
    if (isJsonObject(value)) wire.set(field, marshall(value, { removeUndefinedValues: true }));
  }
  return Object.fromEntries(wire);
}

/** DynamoDB's answer, its items back in plain values (numbers as numbers, as the document client does). */
function outputOf(operation: DynamoDbOperation, answer: unknown): StoreOutput {
  if (!isJsonObject(answer)) throw new Error(`DynamoDB ${operation}: the answer is not a JSON object`);
  const output: StoreOutput = {};
  const item = (field: string, value: unknown): Item => {
    if (!isAttributeMap(value)) throw new Error(`DynamoDB ${operation}: ${field} is not an item`);
    return unmarshall(value);
  };
  if (answer.Item !== undefined) output.Item = item('Item', answer.Item);
  if (answer.Attributes !== undefined) output.Attributes = item('Attributes', answer.Attributes);
  if (answer.LastEvaluatedKey !== undefined) output.LastEvaluatedKey = item('LastEvaluatedKey', answer.LastEvaluatedKey);
  if (answer.Items !== undefined) {
    if (!Array.isArray(answer.Items)) throw new Error(`DynamoDB ${operation}: Items is not a list`);
    output.Items = answer.Items.map((value: unknown) => item('Items', value));
  }
  if (typeof answer.Count === 'number') output.Count = answer.Count;
  return output;
}

const ATTRIBUTE_TYPES = new Set(['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL']);

/** An item in DynamoDB JSON: every attribute one typed value (`{"S": "…"}`); unmarshall checks what is inside. */
function isAttributeMap(value: unknown): value is Record<string, AttributeValue> {
  if (!isJsonObject(value)) return false;
  for (const attribute of Object.values(value)) {
    if (!isJsonObject(attribute)) return false;
    const types = Object.keys(attribute);
    if (types.length !== 1 || !ATTRIBUTE_TYPES.has(types[0] ?? '')) return false;
  }
  return true;
}
