// The same fixed work, timed as a run starts and as it ends. This shared machine's speed swings by up to
// ≈2× from one minute to the next while its load average stays low (a loop of 3·10⁸ additions has taken
// 1.9 s and 3.3 s a minute apart), and every millisecond figure of a run moves with it: the report prints this
// beside them so that a reader can tell a slow stretch from a slow change.
const STEPS = 50_000_000;

/** Milliseconds for STEPS additions in a loop (V8 optimises it once, so this is the CPU's speed, not the JIT's). */
export function cpuCheckMs(): number {
  const started = performance.now();
  let sum = 0;
  for (let step = 0; step < STEPS; step += 1) sum += step;
  const elapsed = performance.now() - started;
  if (sum !== (STEPS * (STEPS - 1)) / 2) throw new Error('cpu check: the loop did not run');
  return elapsed;
}

export const CPU_CHECK_DESCRIPTION = `${STEPS / 1e6}M additions in a loop`;
