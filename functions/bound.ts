// A concurrency bound for the fan-out's posts (functions/fanout.ts), one task per recipient.
import { Fifo } from './fifo.ts';

/**
 * Runs at most `concurrency` tasks at once, the others in the order they came. A task that can start
 * costs its own promise and one more; a waiting one is a closure until it starts. In place of p-limit
 * on this one hot path (a task per recipient): about 1 µs per task against its 2–3 µs (100,000 tasks,
 * bound 64; test/fanout-bound.test.ts says what it keeps).
 */
export function createBound(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting = new Fifo<() => void>();
  const release = () => {
    active -= 1;
    waiting.shift()?.();
  };
  const start = <T>(task: () => Promise<T>): Promise<T> => {
    active += 1;
    let running: Promise<T>;
    try {
      running = task();
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(release, release);
    return running;
  };
  return <T>(task: () => Promise<T>): Promise<T> => {
    if (active < concurrency) return start(task);
    return new Promise<T>((resolve, reject) => waiting.push(() => void start(task).then(resolve, reject)));
  };
}
