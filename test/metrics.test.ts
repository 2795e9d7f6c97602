// The handlers' metrics (functions/metrics.ts): real handler runs through the local chat (real clients,
// gateway, handlers, emulator) that cause a 410, a 429 dropped after its retries, a rate-limited frame
// and refused logins, and the EMF lines Powertools Metrics writes on stdout for each invocation.
import { describe, expect, it } from 'vitest';
import { METRIC_KEYS, METRICS } from '../functions/metrics.ts';
import { useLocalChat } from './support/chat.ts';
import { ChatClient, connectionIdOf } from './support/client.ts';
import { useEmfLines } from './support/emf-lines.ts';
import { waitUntil } from './support/wait.ts';

const NAMESPACE = 'wschat-test';
const FRAMES = 5;
const postFaults = new Map<string, Array<'gone' | 'throttled'>>();
const chat = useLocalChat({
  env: {
    CONNECT_GRACE_MS: '0',
    RATE_LIMIT_FRAMES: String(FRAMES),
    RATE_LIMIT_WINDOW_MS: '60000', // one window for the whole file: nothing here should start a second
    METRICS_NAMESPACE: NAMESPACE,
    // The local chat shows metrics at DEBUG only (tests log nothing): on, as on Lambda.
    POWERTOOLS_METRICS_DISABLED: 'false',
  },
  faults: { post: (connectionId) => postFaults.get(connectionId)?.shift() },
});

const emf = useEmfLines();
const { total, valuesOf } = emf;

describe('EMF output of real handler runs', () => {
  it('a 410 during a broadcast: GoneConnections and the deliveries, under the namespace, with stage and route only', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const victim = await chat.login('victim');
    postFaults.set(await connectionIdOf(victim), ['gone']);
    await chat.settled(alice, bob, victim);
    emf.clear(); // the logins' own lines are not what this test is about
    alice.send('who is still here?');
    await bob.waitFor((e) => e.type === 'system' && e.text === 'victim left', 'victim left');
    await chat.settled(alice, bob);

    expect(total('gone', '$default')).toBe(1);
    // The message to three (one gone), then "victim left" to the two others.
    expect(total('delivered', '$default')).toBe(4);
    expect(valuesOf('recipients', '$default').sort()).toEqual([2, 3]);
    expect(valuesOf('fanoutDuration', '$default')).toHaveLength(2);
    const line = emf.lines.find((l) => l.route === '$default' && METRICS.gone.name in l);
    expect(line).toBeDefined();
    expect(line?.stage).toBe('local');
    expect(line?._aws.CloudWatchMetrics).toEqual([
      expect.objectContaining({ Namespace: NAMESPACE, Dimensions: [['stage', 'route']], Metrics: expect.arrayContaining([{ Name: 'GoneConnections', Unit: 'Count' }]) }),
    ]);
    // No `service` dimension, no zero totals.
    expect(Object.keys(line ?? {})).not.toContain('service');
    expect(line?.[METRICS.failed.name]).toBeUndefined();
  });

  it('a 429 every time: retried three times, then dropped and counted as throttled', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const stuck = await chat.login('stuck');
    const stuckId = await connectionIdOf(stuck);
    await chat.settled(alice, bob, stuck);
    postFaults.set(stuckId, Array.from({ length: 10 }, () => 'throttled' as const));
    emf.clear();
    alice.send('not for stuck');
    await bob.next('message');
    await chat.settled(alice, bob); // the handler returns (and publishes) once the retries gave up
    postFaults.delete(stuckId);

    expect(total('retried', '$default')).toBe(3);
    expect(total('throttled', '$default')).toBe(1);
    expect(total('failed', '$default')).toBe(1);
    expect(total('delivered', '$default')).toBe(2);
    expect(total('gone', '$default')).toBe(0);
  });

  it('a flood: every frame over the limit is a RateLimitedFrames, on the route it came by', async () => {
    const flooder = await chat.login('flooder'); // frame 1 of its window
    await chat.settled(flooder);
    emf.clear();
    for (let n = 1; n <= FRAMES + 2; n += 1) flooder.send(`flood ${n}`); // frames 2 to 8: the last three over
    await flooder.error('RATE_LIMITED');
    await chat.settled(flooder);
    expect(total('rateLimited', '$default')).toBe(3);
    flooder.send(JSON.stringify({ action: 'message', text: 'via the message route' }));
    // A dropped frame gets no reply to wait for, and may not have reached the gateway yet: poll for its line.
    await waitUntil(() => total('rateLimited', 'message') === 1);
  });

  it('refused logins, by reason, on $connect and on /nick', async () => {
    const alice = await chat.login('alice');
    await chat.settled(alice);
    emf.clear();
    const handshake = await ChatClient.attempt(chat.chat.url, { query: { nickname: 'alice' } });
    expect('refused' in handshake && handshake.refused.status).toBe(409);
    const guest = await chat.connect();
    guest.send('/nick alice');
    await guest.error('NICKNAME_TAKEN');
    guest.send('/nick a b');
    await guest.error('INVALID_NICKNAME');
    await chat.settled(guest);

    expect(total('loginsRefusedTaken', '$connect')).toBe(1);
    expect(total('loginsRefusedTaken', '$default')).toBe(1);
    expect(total('loginsRefusedInvalid', '$default')).toBe(1);
  });
});

describe('the metrics table', () => {
  it('names each metric once, as CloudWatch accepts, with a one-line meaning', () => {
    const names = METRIC_KEYS.map((key) => METRICS[key].name);
    expect(new Set(names).size).toBe(names.length);
    for (const key of METRIC_KEYS) {
      expect(METRICS[key].name).toMatch(/^[A-Z][A-Za-z]{1,254}$/);
      expect(METRICS[key].meaning).toMatch(/^[^\n]+$/);
    }
  });
});
