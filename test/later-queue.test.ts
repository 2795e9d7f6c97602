// The SQS scheduler's one request (functions/later-queue.ts), against what @aws-sdk/client-sqs sends for
// the same SendMessage: both go to a loopback stand-in speaking SQS's JSON protocol, which keeps them
// as they arrived. Same method, path, protocol headers and body; each signature verified by the SDK's
// own signer; and the answers' errors and MD5 check behave as the SDK's do.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { parseLaterTask, type LeaveTask, type WelcomeTask } from '../functions/chat/later.ts';
import { createTimerScheduler } from '../functions/later-timers.ts';
import { createQueueScheduler, delaySeconds, messageBody, QueueSendError } from '../functions/later-queue.ts';
import { verifySignature } from './support/sigv4-check.ts';
import { SqsStandIn, type ReceivedRequest } from './support/sqs.ts';

const CREDENTIALS = { accessKeyId: 'AKIDLATERQUEUETEST', secretAccessKey: 'later-queue-test-secret', sessionToken: 'later-queue-session' };
const REGION = 'eu-west-1';
const TASK: LeaveTask = { kind: 'leave', endpoint: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod', nicknameKey: 'dave', nickname: 'Dave', room: 'lobby', awayFrom: 'conn-1=' };

let sqs: SqsStandIn;
let dynamodb: DynamoDBClient;
beforeAll(async () => {
  sqs = await SqsStandIn.start();
  dynamodb = new DynamoDBClient({ region: REGION, credentials: CREDENTIALS, endpoint: 'http://127.0.0.1:1' });
});
afterAll(async () => {
  dynamodb.destroy();
  await sqs.close();
});

const SIGNER = () => ({ service: 'sqs', region: REGION, credentials: CREDENTIALS, endpoint: sqs.endpoint });

describe('the SQS delay-queue scheduler', () => {
  it('sends the request @aws-sdk/client-sqs sends for the same SendMessage, validly signed', async () => {
    await createQueueScheduler({ queueUrl: sqs.queueUrl, signing: dynamodb.config }).schedule(30_000, TASK);
    const client = new SQSClient({ region: REGION, credentials: CREDENTIALS, endpoint: sqs.endpoint });
    await client.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl, MessageBody: messageBody(TASK), DelaySeconds: 30 }));
    client.destroy();
    const [ours, sdk] = sqs.requests.slice(-2);
    if (!ours || !sdk) throw new Error('two requests expected');
    const protocol = (request: ReceivedRequest) => ({
      method: request.method,
      path: request.path,
      contentType: request.headers['content-type'],
      target: request.headers['x-amz-target'],
      queryMode: request.headers['x-amzn-query-mode'],
      token: request.headers['x-amz-security-token'],
      body: JSON.parse(request.body) as unknown,
    });
    expect(protocol(ours)).toEqual(protocol(sdk));
    await verifySignature(ours, SIGNER());
    await verifySignature(sdk, SIGNER()); // the verifier itself agrees with the SDK
    expect(sqs.messages.map((message) => [message.body, message.delaySeconds])).toEqual([[messageBody(TASK), 30], [messageBody(TASK), 30]]);
    sqs.messages.splice(0);
  });

  it('rounds the delay up to whole seconds, within SQS’s 0 to 900', () => {
    expect([0, 1, 999, 1000, 1001, 30_000, 900_000, 3_600_000].map(delaySeconds)).toEqual([0, 1, 1, 1, 2, 30, 900, 900]);
  });

  it('rejects, naming the error, when SQS refuses', async () => {
    sqs.refusing = { status: 400, type: 'QueueDoesNotExist' };
    try {
      const sending = createQueueScheduler({ queueUrl: sqs.queueUrl, signing: dynamodb.config }).schedule(1000, TASK);
      await expect(sending).rejects.toThrow(QueueSendError);
      await expect(sending).rejects.toThrow(/400 com\.amazonaws\.sqs#QueueDoesNotExist: refused/);
    } finally {
      sqs.refusing = undefined;
    }
    expect(sqs.messages).toEqual([]);
  });
});

describe('the in-process timers (npm start, tests)', () => {
  const log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  it('hand a due task to the consumer as a one-record SQS event, as SQS would', async () => {
    const timers = createTimerScheduler(log);
    const events: SQSEvent[] = [];
    timers.consumeWith((event) => {
      events.push(event);
      return Promise.resolve({ batchItemFailures: [] });
    });
    await timers.schedule(1, TASK);
    await timers.settled();
    const [record, ...more] = events.flatMap((event) => event.Records);
    expect(more).toEqual([]);
    expect(record && parseLaterTask(record.body)).toEqual(TASK);
    expect(record).toMatchObject({ eventSource: 'aws:sqs', md5OfBody: createHash('md5').update(messageBody(TASK)).digest('hex'), attributes: { ApproximateReceiveCount: '1' } });
  });

  it('drop the tasks still waiting when closed: the stack they would run on is going away', async () => {
    vi.useFakeTimers();
    try {
      const timers = createTimerScheduler(log);
      let consumed = 0;
      timers.consumeWith(() => {
        consumed += 1;
        return Promise.resolve({ batchItemFailures: [] });
      });
      await timers.schedule(30_000, TASK);
      await timers.close();
      await vi.advanceTimersByTimeAsync(60_000);
      expect(consumed).toBe(0);
      await timers.settled(); // nothing left waiting
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('a task read back from a message body', () => {
  it('is the task that was sent; anything else is none', () => {
    expect(parseLaterTask(messageBody(TASK))).toEqual(TASK);
    const welcome: WelcomeTask = { kind: 'welcome', endpoint: TASK.endpoint, connectionId: 'conn-2=', connectedAt: 1_700_000_000_000, format: 'text', nickname: 'Dave', room: 'lobby', ignoring: true, resume: 'dave.x', afterSeq: 41 };
    expect(parseLaterTask(messageBody(welcome))).toEqual(welcome);
    expect(parseLaterTask(messageBody({ ...welcome, afterSeq: null }))).toEqual({ ...welcome, afterSeq: null });
    for (const bad of [{ format: 'xml' }, { afterSeq: -1 }, { afterSeq: 1.5 }, { ignoring: 'yes' }, { connectedAt: '0' }]) {
      expect(parseLaterTask(JSON.stringify({ ...welcome, ...bad })), JSON.stringify(bad)).toBeNull();
    }
    const hostile = ['', 'null', '[]', '"leave"', '{"kind":"leave"}', JSON.stringify({ ...TASK, room: '' }), JSON.stringify({ ...TASK, nickname: 'x'.repeat(5000) }), JSON.stringify({ ...TASK, kind: 'toString' }), '{"__proto__":{"kind":"leave"}}'];
    expect(hostile.map(parseLaterTask)).toEqual(hostile.map(() => null));
  });
});
