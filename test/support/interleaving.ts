// Runs concurrent tasks one store call at a time, in an order the test chooses, so that a test can
// walk every interleaving of a few concurrent handlers (or a random sample of them) deterministically.
// Each wrapped method waits at a gate; when every running task waits at a gate or has finished, the
// driver opens exactly one gate. The real call then runs alone until its task reaches the next gate.

/** Chooses which of `waiting` gates opens next (an index below `waiting`), given the step number. */
export type Chooser = (waiting: number, step: number) => number;

export interface Interleaving<T extends object> {
  /** `target` with every method gated (the same object shape, so it can stand in for it). */
  readonly gated: T;
  /** Runs the tasks to completion under `choose`; returns the number of choices at each step. */
  run(tasks: ReadonlyArray<() => Promise<unknown>>, choose: Chooser): Promise<number[]>;
}

/** `only`: the methods gated (default: all); the others run at once, inside whichever task called them. */
export function interleave<T extends object>(target: T, only?: ReadonlySet<keyof T>): Interleaving<T> {
  const gatedNames: ReadonlySet<PropertyKey> | undefined = only ? new Set<PropertyKey>(only) : undefined;
  let waiting: Array<() => void> = [];
  let changed: () => void = () => {};
  let running = false;

  const gated = new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      if (gatedNames && !gatedNames.has(property)) return (...args: unknown[]) => Reflect.apply(value, object, args);
      return async (...args: unknown[]) => {
        if (running) {
          await new Promise<void>((open) => {
            waiting.push(open);
            changed();
          });
        }
        return Reflect.apply(value, object, args);
      };
    },
  });

  async function run(tasks: ReadonlyArray<() => Promise<unknown>>, choose: Chooser): Promise<number[]> {
    running = true;
    let finished = 0;
    const failures: unknown[] = [];
    const settled = () => waiting.length + finished === tasks.length;
    const nextChange = () => new Promise<void>((resolve) => (changed = resolve));
    let change = nextChange();
    for (const task of tasks) {
      void task()
        .catch((error: unknown) => failures.push(error))
        .finally(() => {
          finished += 1;
          changed();
        });
    }
    const widths: number[] = [];
    try {
      for (let step = 0; ; step += 1) {
        while (!settled()) {
          await change;
          change = nextChange();
        }
        if (waiting.length === 0) break;
        const index = choose(waiting.length, step);
        widths.push(waiting.length);
        const [open] = waiting.splice(index, 1);
        open?.();
      }
    } finally {
      running = false;
      waiting = [];
    }
    if (failures.length) throw failures[0];
    return widths;
  }

  return { gated, run };
}

/**
 * Every sequence of choices, depth first: call `next` after each run with the widths it reported;
 * it returns the chooser for the next run, or null when every interleaving has been run.
 */
export function everyInterleaving(): { chooser: Chooser; next(widths: number[]): Chooser | null } {
  let path: number[] = [];
  const chooserFor = (prefix: number[]): Chooser => (_waiting, step) => prefix[step] ?? 0;
  return {
    chooser: chooserFor(path),
    next(widths) {
      // The choices actually taken were path[i] ?? 0; advance the deepest one that has an untried option.
      const taken = widths.map((_, step) => path[step] ?? 0);
      for (let step = taken.length - 1; step >= 0; step -= 1) {
        if ((taken[step] ?? 0) + 1 < (widths[step] ?? 0)) {
          path = [...taken.slice(0, step), (taken[step] ?? 0) + 1];
          return chooserFor(path);
        }
      }
      return null;
    },
  };
}
