// Waiting, in one place (test/support/chat.ts says which wait proves what). The only timer-based waits of
// the tests are here: a poll for a state nothing announces, a wait for the clock, and `sleep`, for pacing.

/**
 * How long a wait for an event (or a state) may take before it fails. It is only the bound for reporting
 * a hang: a passing test never waits it out, so it is set for a loaded machine, not for speed (vitest's
 * testTimeout is 30 s). Never a way to let something happen: wait for the event that proves it.
 */
export const DEFAULT_WAIT_MS = 10_000;

/**
 * Lets `ms` pass. For pacing only, where the time itself is under test or is load shaping (traffic spread
 * over an idle timeout, soak arrivals, a handler that is slow on purpose); never to let something happen.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls a condition (a state change the test cannot subscribe to), failing after `timeoutMs`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/**
 * Waits until the wall clock has reached `at` (ms since the epoch). Only for a wait that is about time
 * itself, with `at` computed from a configured setting (e.g. the end of a rate window), never as a
 * stand-in for "until something has happened".
 */
export async function waitUntilTime(at: number): Promise<void> {
  for (let left = at - Date.now(); left > 0; left = at - Date.now()) await sleep(left);
}
