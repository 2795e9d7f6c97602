// Stage/route throttling as API Gateway applies it: a token bucket per route (burst, then a rate per
// second); a message over it gets the Too Many Requests frame and invokes nothing, a $connect over it
// is refused with 429. Off unless configured.
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../local/gateway/throttle.ts';
import { EventRecorder, openClient, startTestGateway, tryConnect } from './support/gateway.ts';
import { waitUntil } from './support/wait.ts';

const AWS_ID = /^[A-Za-z0-9_-]{15}=$/;

describe('route throttling', () => {
  it('answers a message over the burst with AWS\'s Too Many Requests frame and no invocation; each route has its own bucket', async () => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({
      routes: { echo: (event) => (seen.record(event), { statusCode: 200, body: 'echo' }), other: () => ({ statusCode: 200, body: 'other' }) },
      routeResponses: ['echo', 'other'],
      throttle: { burstLimit: 3, rateLimit: 0 }, // no refill: exactly the burst gets through
    });
    const client = await openClient(gateway.url);

    for (let n = 0; n < 5; n += 1) client.send('{"action":"echo"}');
    client.send('{"action":"other"}');
    await waitUntil(() => client.texts.length === 6);

    expect(client.texts.filter((text) => text === 'echo')).toHaveLength(3);
    expect(client.texts.filter((text) => text === 'other')).toHaveLength(1);
    const refusals = client.texts.filter((text) => text.startsWith('{'));
    expect(refusals).toHaveLength(2);
    for (const text of refusals) {
      expect(text).toMatch(/^\{"message": "Too Many Requests", "connectionId":"[^"]+", "requestId":"[^"]+"\}$/);
      const frame = JSON.parse(text) as Record<string, string>;
      expect(frame.connectionId).toBe(gateway.connectionIds()[0]);
      expect(frame.requestId).toMatch(AWS_ID);
    }
    await gateway.whenIdle();
    expect(seen.events).toHaveLength(3);
  });

  it('refuses a $connect over its bucket with 429', async () => {
    const gateway = await startTestGateway({ routes: { $connect: () => ({ statusCode: 200 }) }, throttle: { burstLimit: 1, rateLimit: 0 } });
    expect('client' in (await tryConnect(gateway.url))).toBe(true);
    const second = await tryConnect(gateway.url);
    expect('refused' in second && second.refused).toMatchObject({ status: 429, body: '{"message":"Too Many Requests"}' });
  });

  it('is off by default', async () => {
    const gateway = await startTestGateway({ routes: { echo: () => ({ statusCode: 200, body: 'echo' }) }, routeResponses: ['echo'] });
    const client = await openClient(gateway.url);
    for (let n = 0; n < 200; n += 1) client.send('{"action":"echo"}');
    await waitUntil(() => client.texts.length === 200);
    expect(new Set(client.texts)).toEqual(new Set(['echo']));
  });

  it('refills at the rate, never above the burst', () => {
    let now = 0;
    const bucket = new TokenBucket({ burstLimit: 2, rateLimit: 10 }, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
    now += 100; // one token at 10 per second
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 60_000; // a long quiet spell fills it to the burst only
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
  });

  it('checks its settings at start-up', async () => {
    await expect(startTestGateway({ routes: {}, throttle: { burstLimit: -1, rateLimit: 1 } })).rejects.toThrow('throttle.burstLimit');
    await expect(startTestGateway({ routes: {}, throttle: { burstLimit: 1, rateLimit: Number.NaN } })).rejects.toThrow('throttle.rateLimit');
  });
});
