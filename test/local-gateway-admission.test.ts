// Fair admission: one connection's flood waits in its own queue, served round-robin with everyone else's,
// with a small cap in flight per connection and in all; a full queue pauses that socket. Handlers are
// held open by the tests, so what is asserted is which invocations have started, never how fast.
import { describe, expect, it, onTestFinished } from 'vitest';
import type { GatewayEvent, HandlerResult } from '../local/gateway/index.ts';
import { openClient, startTestGateway } from './support/gateway.ts';
import { waitUntil } from './support/wait.ts';

/** A route whose invocations stay open until the test releases them; records the order they start in. */
class HeldRoute {
  readonly started: string[] = [];
  private readonly releases: Array<() => void> = [];

  handler = (event: GatewayEvent): Promise<HandlerResult> => {
    this.started.push(event.body ?? '');
    return new Promise((resolve) => this.releases.push(() => resolve({ statusCode: 200, body: `done ${event.body ?? ''}` })));
  };

  /** Invocations started and not yet released. */
  get open(): number {
    return this.releases.length;
  }

  releaseAll(): void {
    for (const release of this.releases.splice(0)) release();
  }

  /** Releases invocations as they start until `count` have started, then the last ones. */
  async drain(count: number): Promise<void> {
    while (this.started.length < count || this.open > 0) {
      await waitUntil(() => this.open > 0);
      this.releaseAll();
    }
  }
}

describe('fair admission', () => {
  it('answers an honest client while another connection floods, and runs the flood in the order it was sent', async () => {
    const held = new HeldRoute();
    onTestFinished(() => held.releaseAll()); // before the gateway's close, which waits for running handlers
    const gateway = await startTestGateway({
      routes: { $default: held.handler, fast: () => ({ statusCode: 200, body: 'fast done' }) },
      routeResponses: ['$default', 'fast'],
    });
    const flooder = await openClient(gateway.url);
    const honest = await openClient(gateway.url);

    const flood = Array.from({ length: 100 }, (_, index) => `flood ${index}`);
    for (const frame of flood) flooder.send(frame);
    await waitUntil(() => held.started.length === 2 && gateway.queuedMessages() === flood.length - 2);

    // Two of the flood run (the per-connection cap), the rest wait; the honest frame does not.
    honest.send('{"action":"fast"}');
    expect(await honest.nextMessage()).toBe('fast done');
    expect(held.started).toEqual(['flood 0', 'flood 1']);

    await held.drain(flood.length);
    expect(held.started).toEqual(flood);
    await waitUntil(() => flooder.texts.length === flood.length);
  });

  it('serves waiting connections round-robin under the overall cap', async () => {
    const held = new HeldRoute();
    onTestFinished(() => held.releaseAll());
    const gateway = await startTestGateway({ routes: { $default: held.handler }, admission: { total: 1 } });
    const first = await openClient(gateway.url);
    const second = await openClient(gateway.url);

    first.send('a1');
    await waitUntil(() => held.started.length === 1);
    for (const frame of ['a2', 'a3', 'a4']) first.send(frame);
    await waitUntil(() => gateway.queuedMessages() === 3);
    second.send('b1');
    await waitUntil(() => gateway.queuedMessages() === 4);

    for (let started = 1; started < 5; started += 1) {
      held.releaseAll();
      await waitUntil(() => held.started.length === started + 1);
    }
    held.releaseAll();

    // b1 arrived behind three of a's frames, but waits for at most one of them, not all three.
    expect(held.started.indexOf('b1')).toBeLessThanOrEqual(2);
    expect(held.started.filter((frame) => frame.startsWith('a'))).toEqual(['a1', 'a2', 'a3', 'a4']);
  });

  it('pauses a connection whose queue is full and reads it again as it drains, losing nothing', async () => {
    const held = new HeldRoute();
    onTestFinished(() => held.releaseAll());
    const gateway = await startTestGateway({
      routes: { $default: held.handler },
      routeResponses: ['$default'],
      admission: { perConnection: 2, queuedPerConnection: 4 },
    });
    const client = await openClient(gateway.url);

    // Far more than one read of the socket holds, so reading must stop and start again many times.
    const padding = 'x'.repeat(1024);
    const frames = Array.from({ length: 300 }, (_, index) => `f${index} ${padding}`);
    for (const frame of frames) client.send(frame);
    await held.drain(frames.length);
    expect(held.started).toEqual(frames);
    await waitUntil(() => client.texts.length === frames.length);
  });

  it('checks its options at start-up', async () => {
    await expect(startTestGateway({ routes: {}, admission: { perConnection: 0 } })).rejects.toThrow('admission.perConnection must be a positive integer');
    await expect(startTestGateway({ routes: {}, admission: { total: 1.5 } })).rejects.toThrow('admission.total must be a positive integer');
  });
});
