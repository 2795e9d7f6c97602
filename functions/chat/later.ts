// Work the chat does a while after an event: a user's leave is announced only once the resume grace
// has passed without a resume (so a quick reconnect shows the room nothing). In-process timers: what
// `npm start` and the tests run. A Lambda is frozen between invocations, so on AWS this needs a queue
// with a delay (see the README's delivery section for what the stack does meanwhile).

export interface Scheduler {
  /** Runs `task` after `delayMs`; its failure is its own to log. */
  schedule(delayMs: number, task: () => Promise<void>): void;
}

/** Timers that do not keep the process alive; `settled()` resolves once none is pending or running (tests). */
export interface TimerScheduler extends Scheduler {
  settled(): Promise<void>;
}

export function createTimerScheduler(): TimerScheduler {
  const running = new Set<Promise<void>>();
  let waiting = 0;
  return {
    schedule(delayMs, task) {
      waiting += 1;
      setTimeout(() => {
        waiting -= 1;
        const run = task().finally(() => running.delete(run));
        running.add(run);
      }, delayMs).unref();
    },
    async settled() {
      while (waiting > 0 || running.size > 0) {
        await Promise.allSettled([...running]);
        if (waiting > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
  };
}
