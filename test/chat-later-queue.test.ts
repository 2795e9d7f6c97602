// The resume grace as the stack runs it: deferred work goes to an SQS delay queue (here a loopback
// stand-in speaking SQS's JSON protocol, which keeps the messages) and comes back through the
// deferred-work Lambda handler (functions/handlers/later.ts, called with the SQS event the stand-in
// builds, when the test plays "the delay is over"). The rest is real: the local gateway, the
// in-process route handlers, dynalite, ws clients. Its own file: one local chat per test file.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseLaterTask } from '../functions/chat/later.ts';
import { handler as later } from '../functions/handlers/later.ts';
import { useLocalChat } from './support/chat.ts';
import { connectionIdOf, type ChatClient } from './support/client.ts';
import { SqsStandIn } from './support/sqs.ts';
import { waitUntil } from './support/wait.ts';

const GRACE_MS = 60_000;
// Filled in once the stand-in listens (before the chat starts: hooks run in order).
const env: Record<string, string> = { RATE_LIMIT_FRAMES: '0', RESUME_GRACE_MS: String(GRACE_MS), LEAVE_TIMERS: 'false' };
let sqs: SqsStandIn;
beforeAll(async () => {
  sqs = await SqsStandIn.start();
  env.LATER_QUEUE_URL = sqs.queueUrl;
});
afterAll(() => sqs.close());
const chat = useLocalChat({ env });
// The earlier tests' leaves (their clients are closed after each) are not this test's.
beforeEach(() => void sqs.messages.splice(0));

const about = (client: ChatClient, nickname: string) => client.received('system').map((e) => e.text).filter((text) => text.includes(nickname));

/** Closes `client` and waits until its $disconnect (which sends the deferred leave) has finished. */
async function leave(client: ChatClient): Promise<void> {
  const id = await connectionIdOf(client);
  await client.close();
  await waitUntil(() => !chat.chat.gateway.connectionIds().includes(id));
  await chat.chat.gateway.whenIdle();
}

describe('deferred work through the SQS delay queue', () => {
  it('a leave is queued with the grace as its delay, and announced when the consumer runs it', async () => {
    const watcher = await chat.login('watcher');
    const dave = await chat.login('dave');
    await watcher.waitFor((e) => e.type === 'system' && e.text === 'dave joined', '"dave joined"');
    await leave(dave);
    expect(sqs.messages.map((message) => [parseLaterTask(message.body)?.kind, message.delaySeconds])).toEqual([['leave', GRACE_MS / 1000]]);
    await chat.settled(watcher);
    expect(about(watcher, 'dave')).toEqual(['dave joined']); // nothing yet: the task waits in the queue
    expect(await later(sqs.takeEvent())).toEqual({ batchItemFailures: [] });
    await watcher.waitFor((e) => e.type === 'system' && e.text === 'dave left', '"dave left"');
  });

  it('a resume within the grace: the queued leave, when it runs, announces nothing', async () => {
    const watcher = await chat.login('watcher');
    const erin = await chat.login('erin');
    await watcher.waitFor((e) => e.type === 'system' && e.text === 'erin joined', '"erin joined"');
    const token = erin.resumeToken();
    await leave(erin);
    const fresh = await chat.connect();
    fresh.send(`/resume ${token}`);
    expect((await fresh.next('resumed')).nickname).toBe('erin');
    expect(await later(sqs.takeEvent())).toEqual({ batchItemFailures: [] });
    await chat.settled(watcher, fresh);
    expect(about(watcher, 'erin')).toEqual(['erin joined']);
  });

  it('when SQS refuses the message, the leave is announced at once rather than never', async () => {
    const watcher = await chat.login('watcher');
    const fay = await chat.login('fay');
    await watcher.waitFor((e) => e.type === 'system' && e.text === 'fay joined', '"fay joined"');
    sqs.refusing = { status: 500, type: 'InternalError' };
    try {
      await leave(fay);
    } finally {
      sqs.refusing = undefined;
    }
    await watcher.waitFor((e) => e.type === 'system' && e.text === 'fay left', '"fay left"');
    expect(sqs.messages).toEqual([]);
  });

  it('?resume= at $connect: the welcome is queued without delay, and the consumer sends login, replay and resumed', async () => {
    const gus = await chat.login('gus');
    const token = gus.resumeToken();
    await leave(gus);
    const fresh = await chat.connect({ resume: token, seq: '0' });
    await chat.chat.gateway.whenIdle(); // $connect has queued the welcome
    const queued = sqs.messages.map((message) => [parseLaterTask(message.body)?.kind, message.delaySeconds]);
    expect(queued).toContainEqual(['welcome', 0]);
    expect(await later(sqs.takeEvent())).toEqual({ batchItemFailures: [] });
    expect((await fresh.next('login')).nickname).toBe('gus');
    await fresh.next('history');
    expect(await fresh.next('resumed')).toMatchObject({ nickname: 'gus', gap: false });
  });

  it('a message that is not a task is dropped (not retried, not run)', async () => {
    const watcher = await chat.login('watcher');
    const event = sqs.takeEvent();
    const base = { messageId: 'm-1', receiptHandle: 'r-1', attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' }, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:wschat-later', awsRegion: 'us-east-1' };
    const bodies = ['not json', '{"kind":"leave"}', '{"kind":"leave","__proto__":{"room":"lobby"}}', JSON.stringify({ kind: 'launch', endpoint: 'x' })];
    event.Records.push(...bodies.map((body, index) => ({ ...base, messageId: `m-${index}`, body })));
    expect(await later(event)).toEqual({ batchItemFailures: [] });
    await chat.settled(watcher);
    expect(watcher.received('system').filter((e) => e.text.endsWith(' left'))).toEqual([]);
  });
});
