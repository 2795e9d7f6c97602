// Which invocation a figure lands in (functions/metrics.ts): where invocations overlap in one process,
// each finds its own through AsyncLocalStorage; in a Lambda execution environment, which runs one at a
// time, the running one is a variable. Both read back from the EMF lines Powertools writes on stdout.
import { describe, expect, it } from 'vitest';
import { buildChat } from '../functions/container.ts';
import type { Logger } from '../functions/log.ts';
import { createMetricsPublisher, invocationsOverlap, type MetricsPublisher } from '../functions/metrics.ts';
import { LOCAL_AWS_ENV } from '../local/aws-env.ts';
import { useEmfLines } from './support/emf-lines.ts';

const emf = useEmfLines();

/** A log that keeps its warnings. */
function keptLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { debug() {}, info() {}, warn: (message) => warnings.push(message), error() {}, warnings };
}

/** A promise and what settles it, for an invocation the test holds open. */
function gate(): { opened: Promise<void>; open(): void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const invocation = (route: string) => ({ stage: 'test', route });

describe('where invocations overlap', () => {
  it('is anywhere but a Lambda execution environment, and one that runs several at a time', () => {
    expect(invocationsOverlap({})).toBe(true); // npm start, the tests, the benchmark
    expect(invocationsOverlap({ AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001' })).toBe(false);
    expect(invocationsOverlap({ AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001', AWS_LAMBDA_MAX_CONCURRENCY: '16' })).toBe(true);
  });
});

describe.each([
  ['overlapping (AsyncLocalStorage)', true],
  ['one at a time (a variable)', false],
])('a publisher for invocations %s', (_, overlapping) => {
  const publisher = (): MetricsPublisher => createMetricsPublisher('wschat-test', keptLog(), { overlapping });

  it('puts what an invocation records on its own line, and nothing recorded outside one', async () => {
    const metrics = publisher();
    metrics.recorder.record('delivered'); // before any invocation: nowhere
    await metrics.run(invocation('first'), async () => {
      metrics.recorder.record('delivered', 2);
      await Promise.resolve();
      metrics.recorder.record('recipients', 5);
    });
    metrics.recorder.record('delivered', 7); // between invocations: nowhere
    await metrics.run(invocation('second'), async () => {
      metrics.recorder.record('delivered');
    });
    expect(emf.total('delivered', 'first')).toBe(2);
    expect(emf.valuesOf('recipients', 'first')).toEqual([5]);
    expect(emf.total('delivered', 'second')).toBe(1);
    expect(emf.lines).toHaveLength(2);
  });

  it('publishes an invocation that threw, with what it recorded', async () => {
    const metrics = publisher();
    await expect(
      metrics.run(invocation('failing'), async () => {
        metrics.recorder.record('failed');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(emf.total('failed', 'failing')).toBe(1);
  });
});

describe('two invocations that overlap', () => {
  it('keep their own figures where overlapping is expected, however they interleave', async () => {
    const metrics = createMetricsPublisher('wschat-test', keptLog(), { overlapping: true });
    const firstMayGoOn = gate();
    const secondStarted = gate();
    const first = metrics.run(invocation('first'), async () => {
      metrics.recorder.record('delivered');
      await firstMayGoOn.opened; // the second starts and records meanwhile
      metrics.recorder.record('delivered', 10);
    });
    const second = metrics.run(invocation('second'), async () => {
      metrics.recorder.record('delivered', 100);
      secondStarted.open();
      await firstMayGoOn.opened;
      metrics.recorder.record('delivered', 1000);
    });
    await secondStarted.opened;
    firstMayGoOn.open();
    await Promise.all([first, second]);
    expect(emf.total('delivered', 'first')).toBe(11);
    expect(emf.total('delivered', 'second')).toBe(1100);
  });

  it('are told once, as a warning, where one at a time was expected', async () => {
    const log = keptLog();
    const metrics = createMetricsPublisher('wschat-test', log, { overlapping: false });
    const held = gate();
    const runs = ['a', 'b', 'c'].map((route) => metrics.run(invocation(route), () => held.opened));
    held.open();
    await Promise.all(runs);
    expect(log.warnings).toEqual([expect.stringContaining('invocations overlap')]);
  });

  it('are what a container expects from the environment it is built in', async () => {
    // Two overlapping invocations: kept apart where the container expects overlaps, mixed where it does not.
    const overlapOf = async (env: Record<string, string>) => {
      const { metrics } = buildChat({ ...LOCAL_AWS_ENV, TABLE_NAME: 'unused', ...env });
      const held = gate();
      const first = metrics.run(invocation('first'), async () => {
        await held.opened;
        metrics.recorder.record('delivered');
      });
      const second = metrics.run(invocation('second'), () => held.opened);
      held.open();
      await Promise.all([first, second]);
      const kept = emf.total('delivered', 'first') === 1;
      emf.clear();
      return kept;
    };
    expect(await overlapOf({})).toBe(true);
    expect(await overlapOf({ AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001' })).toBe(false);
    expect(await overlapOf({ AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001', AWS_LAMBDA_MAX_CONCURRENCY: '16' })).toBe(true);
  });
});
