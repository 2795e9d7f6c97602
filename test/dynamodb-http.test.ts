// The store's DynamoDB requests (functions/store/requests.ts over functions/store/dynamodb-http.ts)
// against what the SDK's document client sends for the same operation: both go to a loopback server
// that keeps each request as it arrived and gives both the same answer. Same method, path, protocol
// headers and JSON body; each signature re-derived by the SDK's own signer; the same answer read as
// the same values; errors named as the SDK names them, and retried where its standard mode retries.
import { createServer } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAwsError, httpStatusOf } from '../functions/aws-errors.ts';
import { NodeSha256, signingFromEnvironment, type AwsSigning } from '../functions/aws-signing.ts';
import { createDynamoDbHttp, regionalEndpoint, type DynamoDbHttp } from '../functions/store/dynamodb-http.ts';
import { closeNow, listenOnLoopback } from '../local/listening.ts';
import { RecordingServer, type Recorded, type RecordedAnswer } from './support/recording-server.ts';
import { verifySignature } from './support/sigv4-check.ts';
import { createRequests, deleteItem, getItem, putItem, queryItems, updateItem, type StoreCommand } from '../functions/store/requests.ts';

const CREDENTIALS = { accessKeyId: 'AKIDDYNAMODBHTTPTEST', secretAccessKey: 'dynamodb-http-test-secret', sessionToken: 'dynamodb-http-session' };
const REGION = 'eu-central-1';
const SIGNING: AwsSigning = { credentials: () => Promise.resolve(CREDENTIALS), region: () => Promise.resolve(REGION), sha256: NodeSha256 };
const TableName = 'wschat-http';

let recorder: RecordingServer;
let endpoint: string;
let received: Recorded[];

beforeAll(async () => {
  recorder = await RecordingServer.start();
  received = recorder.recorded;
  endpoint = recorder.origin;
  recorder.answer = json(200, {});
});
afterAll(() => recorder.close());

/** An answer in DynamoDB's JSON protocol. */
function json(status: number, body: unknown): RecordedAnswer {
  return { status, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'test-request' }, body: JSON.stringify(body) };
}

/** The next answers, in order (then `{}`). */
function answerWith(...answers: (RecordedAnswer | 'hang-up')[]): void {
  recorder.queue.splice(0, recorder.queue.length, ...answers);
}

const ours = (options: { retry?: { attempts: number; baseMs: number; capMs: number }; timeoutMs?: number } = {}): DynamoDbHttp =>
  createDynamoDbHttp({ endpoint, signing: SIGNING, sleep: () => Promise.resolve(), ...options });

function sdkClient(): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** What a request says to DynamoDB, whoever sent it. */
function protocol(request: Recorded) {
  return {
    method: request.method,
    path: request.url,
    contentType: request.headers['content-type'],
    target: request.headers['x-amz-target'],
    token: request.headers['x-amz-security-token'],
    body: JSON.parse(request.body.toString('utf8')) as unknown,
  };
}

const SIGNER = () => ({ service: 'dynamodb', region: REGION, credentials: CREDENTIALS, endpoint });
const arrived = (request: Recorded) => ({ method: request.method, path: request.url, headers: request.headers, body: request.body.toString('utf8') });

const ITEM = { pk: 'CONN#abc=', nickname: 'Ada', count: 3, ratio: 0.5, ignoring: false, gone: null, tags: ['a', 'b'], nested: { at: 12, room: 'lobby' }, skipped: undefined };

/** Each operation as the store writes it and as the document client takes it. */
const CASES: { name: string; store: StoreCommand; sdk: (client: DynamoDBDocumentClient) => Promise<unknown> }[] = [
  { name: 'GetItem', store: getItem({ TableName, Key: { pk: 'CONN#abc=' }, ConsistentRead: true }), sdk: (client) => client.send(new GetCommand({ TableName, Key: { pk: 'CONN#abc=' }, ConsistentRead: true })) },
  {
    name: 'PutItem',
    store: putItem({ TableName, Item: ITEM, ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } }),
    sdk: (client) => client.send(new PutCommand({ TableName, Item: ITEM, ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } })),
  },
  {
    name: 'UpdateItem',
    store: updateItem({ TableName, Key: { pk: 'ROOM#lobby' }, UpdateExpression: 'ADD members :one SET #at = :at', ExpressionAttributeNames: { '#at': 'at' }, ExpressionAttributeValues: { ':one': 1, ':at': 1_700_000_000_000 }, ReturnValues: 'ALL_NEW' }),
    sdk: (client) => client.send(new UpdateCommand({ TableName, Key: { pk: 'ROOM#lobby' }, UpdateExpression: 'ADD members :one SET #at = :at', ExpressionAttributeNames: { '#at': 'at' }, ExpressionAttributeValues: { ':one': 1, ':at': 1_700_000_000_000 }, ReturnValues: 'ALL_NEW' })),
  },
  { name: 'DeleteItem', store: deleteItem({ TableName, Key: { pk: 'NICK#ada' }, ConditionExpression: 'connectionId = :me', ExpressionAttributeValues: { ':me': 'abc=' } }), sdk: (client) => client.send(new DeleteCommand({ TableName, Key: { pk: 'NICK#ada' }, ConditionExpression: 'connectionId = :me', ExpressionAttributeValues: { ':me': 'abc=' } })) },
  {
    name: 'Query',
    store: queryItems({ TableName, IndexName: 'members', KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': 'room' }, ExpressionAttributeValues: { ':p': 'lobby' }, ExclusiveStartKey: { pk: 'CONN#x=', room: 'lobby' }, Limit: 100, ScanIndexForward: false }),
    sdk: (client) => client.send(new QueryCommand({ TableName, IndexName: 'members', KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': 'room' }, ExpressionAttributeValues: { ':p': 'lobby' }, ExclusiveStartKey: { pk: 'CONN#x=', room: 'lobby' }, Limit: 100, ScanIndexForward: false })),
  },
];

/** One answer with every kind of value the store reads back, in DynamoDB JSON. */
const ANSWER = {
  Item: { pk: { S: 'CONN#abc=' }, count: { N: '3' }, big: { N: '1700000000000' }, ok: { BOOL: true }, none: { NULL: true }, list: { L: [{ S: 'a' }, { N: '2' }] }, map: { M: { at: { N: '12' } } } },
  Items: [{ pk: { S: 'CONN#a=' }, seq: { N: '7' } }, { pk: { S: 'CONN#b=' }, seq: { N: '8' } }],
  Attributes: { members: { N: '4' } },
  LastEvaluatedKey: { pk: { S: 'CONN#b=' }, room: { S: 'lobby' } },
  Count: 2,
};

describe("the store's DynamoDB client", () => {
  it.each(CASES)('sends the request the SDK document client sends for the same $name, validly signed', async ({ store, sdk }) => {
    const db = ours();
    const sdkDocuments = sdkClient();
    try {
      await createRequests(db, { tableName: TableName }).send(store);
      await sdk(sdkDocuments);
      const [mine, theirs] = received.slice(-2);
      if (!mine || !theirs) throw new Error('two requests expected');
      expect(protocol(mine)).toEqual(protocol(theirs));
      await verifySignature(arrived(mine), SIGNER());
      await verifySignature(arrived(theirs), SIGNER()); // the verifier itself agrees with the SDK
    } finally {
      db.destroy();
      sdkDocuments.destroy();
    }
  });

  it('reads an answer as the document client reads it (numbers as numbers, lists, maps, null)', async () => {
    const db = ours();
    const sdkDocuments = sdkClient();
    try {
      const requests = createRequests(db, { tableName: TableName });
      answerWith(...Array.from({ length: 4 }, () => json(200, ANSWER)));
      const listed = await requests.send(queryItems({ TableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'x' } }));
      const got = await requests.send(getItem({ TableName, Key: { pk: 'x' } }));
      const queried = await sdkDocuments.send(new QueryCommand({ TableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'x' } }));
      const read = await sdkDocuments.send(new GetCommand({ TableName, Key: { pk: 'x' } }));
      expect(listed).toMatchObject({ Items: queried.Items, LastEvaluatedKey: queried.LastEvaluatedKey, Count: queried.Count });
      expect(got.Item).toEqual(read.Item);
      expect(got.Item).toMatchObject({ count: 3, big: 1_700_000_000_000, ok: true, none: null, list: ['a', 2], map: { at: 12 } });
    } finally {
      db.destroy();
      sdkDocuments.destroy();
    }
  });

  it('asks for consumed capacity on every request when measuring', async () => {
    const db = ours();
    try {
      await createRequests(db, { tableName: TableName, measureCapacity: true }).send(getItem({ TableName, Key: { pk: 'a' } }));
      expect(protocol(received.at(-1) ?? fail()).body).toMatchObject({ ReturnConsumedCapacity: 'TOTAL' });
    } finally {
      db.destroy();
    }
  });

  it('names a refusal as the SDK does, with its status, and reads a failed condition as an outcome', async () => {
    const db = ours();
    const requests = createRequests(db, { tableName: TableName });
    try {
      answerWith(json(400, { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed' }));
      await expect(requests.conditional(putItem({ TableName, Item: { pk: 'a' }, ConditionExpression: 'attribute_not_exists(pk)' }))).resolves.toBeUndefined();
      answerWith(json(400, { __type: 'com.amazon.coral.validate#ValidationException', message: 'One or more parameter values were invalid' }));
      const refused = await requests.send(getItem({ TableName, Key: { pk: 'a' } })).catch((error: unknown) => error);
      expect(isAwsError(refused, 'ValidationException')).toBe(true);
      expect(httpStatusOf(refused)).toBe(400);
      expect(refused).toMatchObject({ message: 'One or more parameter values were invalid', $metadata: { requestId: 'test-request' } });
    } finally {
      db.destroy();
    }
  });

  it('retries throttling, 5xx and a dropped socket up to 3 attempts, and nothing else', async () => {
    const db = ours();
    const throttled = json(400, { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'Rate exceeded' });
    try {
      const before = received.length;
      answerWith(throttled, json(500, { __type: 'InternalServerError', message: 'oops' }), json(200, { Item: { pk: { S: 'a' } } }));
      await expect(db.call('GetItem', { TableName, Key: { pk: { S: 'a' } } })).resolves.toEqual({ Item: { pk: { S: 'a' } } });
      expect(received.length - before).toBe(3);

      answerWith('hang-up', json(200, {}));
      await expect(db.call('GetItem', { TableName, Key: { pk: { S: 'a' } } })).resolves.toEqual({});

      answerWith(throttled, throttled, throttled, json(200, {}));
      const exhausted = await db.call('GetItem', { TableName, Key: { pk: { S: 'a' } } }).catch((error: unknown) => error);
      expect(isAwsError(exhausted, 'ProvisionedThroughputExceededException')).toBe(true);
      answerWith();

      const counted = received.length;
      answerWith(json(400, { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'no' }));
      await expect(db.call('PutItem', { TableName, Item: { pk: { S: 'a' } } })).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
      expect(received.length - counted).toBe(1);
    } finally {
      answerWith();
      db.destroy();
    }
  });

  it('fails an attempt whose socket stays silent, then retries it', async () => {
    const silent = createServer(() => {
      // never answers
    });
    const quiet = createDynamoDbHttp({ endpoint: await listenOnLoopback(silent), signing: SIGNING, timeoutMs: 50, retry: { attempts: 2, baseMs: 0, capMs: 0 } });
    try {
      await expect(quiet.call('GetItem', { TableName, Key: { pk: { S: 'a' } } })).rejects.toMatchObject({ name: 'TimeoutError' });
    } finally {
      quiet.destroy();
      await closeNow(silent);
    }
  });

  it('signs with what the environment gives, and says which variable is missing', async () => {
    const signing = signingFromEnvironment({ AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token', AWS_REGION: 'eu-west-3' });
    await expect(signing.credentials()).resolves.toEqual({ accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'token' });
    await expect(signing.region()).resolves.toBe('eu-west-3');
    expect(() => signingFromEnvironment({ AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret' })).toThrow(/AWS_REGION is not set/);
    expect(() => signingFromEnvironment({ AWS_REGION: 'eu-west-3', AWS_SECRET_ACCESS_KEY: 'secret' })).toThrow(/AWS_ACCESS_KEY_ID is not set/);
    expect(regionalEndpoint('eu-west-3')).toBe('https://dynamodb.eu-west-3.amazonaws.com');
    expect(regionalEndpoint('cn-north-1')).toBe('https://dynamodb.cn-north-1.amazonaws.com.cn');
  });
});

function fail(): never {
  throw new Error('a request expected');
}
