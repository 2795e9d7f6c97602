// Faults in the parts around the chat, injected where they cannot be caused for real, and the outcome
// each must have: a 410 removes only that connection, a 429 is retried then dropped for that recipient
// only, 413/403 are not retried, DynamoDB throttling reaches the sender as an error, never a silent loss.
import { describe, expect, it } from 'vitest';
import { createFanout } from '../functions/fanout.ts';
import { handler as messageHandler } from '../functions/handlers/message.ts';
import { useLocalChat } from './support/chat.ts';
import { connectionIdOf } from './support/client.ts';
import { apiOf, messageEvent, SILENT_LOG } from './support/lambda.ts';

/** Per-connection faults for POST @connections, set by each test. */
const postFaults = new Map<string, Array<'gone' | 'throttled'>>();
const chat = useLocalChat({
  env: { CONNECT_GRACE_MS: '0', RATE_LIMIT_FRAMES: '0' },
  faults: { post: (connectionId) => postFaults.get(connectionId)?.shift() },
});

const fanout = () => chat.fanoutMetrics();

describe('postToConnection faults during a broadcast', () => {
  it('410 for one recipient: it is removed and announced as left; the rest get the message', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const victim = await chat.login('victim');
    postFaults.set(await connectionIdOf(victim), ['gone']);
    alice.send('who is still here?');
    expect((await bob.next('message')).text).toBe('who is still here?');
    expect((await alice.next('message')).text).toBe('who is still here?');
    expect((await bob.waitFor((e) => e.type === 'system' && e.text === 'victim left', 'victim left')).type).toBe('system');
    alice.send('/ls');
    expect((await alice.next('users')).users).toEqual(['alice', 'bob']);
  });

  it('429 a few times: retried with backoff, and delivered', async () => {
    const alice = await chat.login('alice');
    const slow = await chat.login('slow');
    postFaults.set(await connectionIdOf(slow), ['throttled', 'throttled']);
    const before = fanout().retried;
    alice.send('worth the wait');
    expect((await slow.next('message')).text).toBe('worth the wait');
    expect(fanout().retried - before).toBe(2);
  });

  it('429 every time: dropped for that recipient only, counted, and the sender is not blamed', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const stuck = await chat.login('stuck');
    const stuckId = await connectionIdOf(stuck);
    postFaults.set(stuckId, Array.from({ length: 10 }, () => 'throttled' as const));
    const before = { ...fanout() };
    alice.send('not for stuck');
    expect((await bob.next('message')).text).toBe('not for stuck');
    expect((await alice.next('message')).text).toBe('not for stuck');
    await chat.settled(alice); // the broadcast's handler returns only once the retries, backing off a while, gave up
    expect(fanout().throttled - before.throttled).toBe(1);
    expect(fanout().retried - before.retried).toBe(3);
    expect(alice.received('error')).toEqual([]);
    postFaults.delete(stuckId);
    // Still a member: a dropped message is not a gone connection.
    alice.send('/ls');
    expect((await alice.next('users')).users).toContain('stuck');
    alice.send('back?');
    expect((await stuck.next('message')).text).toBe('back?');
  });
});

describe('final answers are not retried', () => {
  it('413 (payload over 128 KB) and 403 (wrong stage) fail at once', async () => {
    const alice = await chat.login('alice');
    const id = await connectionIdOf(alice);
    const gateway = createFanout({ endpoint: chat.chat.callbackUrl, concurrency: 4, log: SILENT_LOG });
    expect(await gateway.post(id, new Uint8Array(129 * 1024))).toBe('too-large'); // a failure the caller must report
    const wrongStage = createFanout({ endpoint: chat.chat.callbackUrl.replace(/\/local$/u, '/prod'), concurrency: 4, log: SILENT_LOG });
    expect(await wrongStage.post(id, Buffer.from('{}'))).toBe('failed');
    expect(gateway.metrics).toMatchObject({ posts: 1, failed: 1, retried: 0, tooLarge: 1 });
    expect(wrongStage.metrics).toMatchObject({ posts: 1, failed: 1, retried: 0 });
    expect(await gateway.post(id, Buffer.from('{"type":"probe"}'))).toBe('delivered');
  });
});

describe('a retried message event (same messageId)', () => {
  it('is delivered once', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const aliceId = await connectionIdOf(alice);
    const event = messageEvent(aliceId, 'only once', apiOf(chat.chat.callbackUrl));
    expect(await messageHandler(event)).toEqual({ statusCode: 200 });
    expect(await messageHandler(event)).toEqual({ statusCode: 200 });
    bob.send('after');
    await bob.waitFor((e) => e.type === 'message' && e.text === 'after', 'after');
    expect(bob.received('message').filter((e) => e.text === 'only once')).toHaveLength(1);
  });
});
