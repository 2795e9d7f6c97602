// The fan-out's own concurrency bound (functions/bound.ts createBound), used instead of p-limit on the
// hot path (one task per recipient): about 1 µs per task against p-limit's 2–3 µs, measured with 100,000
// tasks at a bound of 64. What it must keep: never more than the bound at once, the rest started in the
// order they came, every task's outcome passed through, and a failing task freeing its place.
import { describe, expect, it } from 'vitest';
import { createBound } from '../functions/bound.ts';

/** A task the test finishes by hand, and whether it has started. */
function heldTask(log: string[], name: string) {
  let finish: (outcome: { ok: true } | { ok: false }) => void = () => undefined;
  let started = false;
  const task = () => {
    started = true;
    log.push(`start ${name}`);
    return new Promise<string>((resolve, reject) => {
      finish = (outcome) => (outcome.ok ? resolve(name) : reject(new Error(name)));
    });
  };
  return { task, finish: (outcome: { ok: true } | { ok: false }) => finish(outcome), started: () => started };
}

describe('createBound', () => {
  it('runs at most the bound at once and starts the waiting ones in order, each as a place frees', async () => {
    const bound = createBound(2);
    const log: string[] = [];
    const tasks = ['a', 'b', 'c', 'd', 'e'].map((name) => heldTask(log, name));
    const outcomes = tasks.map((held) => bound(held.task));
    expect(tasks.map((held) => held.started())).toEqual([true, true, false, false, false]);
    tasks[1]?.finish({ ok: true });
    await expect(outcomes[1]).resolves.toBe('b');
    expect(tasks.map((held) => held.started())).toEqual([true, true, true, false, false]);
    tasks[0]?.finish({ ok: false }); // a failure frees its place as a success does
    await expect(outcomes[0]).rejects.toThrow('a');
    expect(log).toEqual(['start a', 'start b', 'start c', 'start d']);
    tasks[2]?.finish({ ok: true });
    await expect(outcomes[2]).resolves.toBe('c');
    expect(tasks[4]?.started()).toBe(true);
    tasks[3]?.finish({ ok: true });
    tasks[4]?.finish({ ok: true });
    await expect(Promise.all(outcomes.slice(3))).resolves.toEqual(['d', 'e']);
    expect(log).toEqual(['start a', 'start b', 'start c', 'start d', 'start e']);
  });

  it('passes a task that throws before returning a promise on as a rejection, and goes on', async () => {
    const bound = createBound(1);
    const thrown = bound(() => {
      throw new Error('at once');
    });
    await expect(thrown).rejects.toThrow('at once');
    await expect(bound(() => Promise.resolve(7))).resolves.toBe(7);
  });

  it('keeps to the bound over many tasks', async () => {
    const bound = createBound(64);
    let running = 0;
    let most = 0;
    const task = async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => setImmediate(resolve));
      running -= 1;
    };
    await Promise.all(Array.from({ length: 5000 }, () => bound(task)));
    expect(most).toBe(64);
  });
});
