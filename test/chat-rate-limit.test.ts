// Per-connection rate limiting of chat frames: kept on the connection item (so it holds across Lambda
// containers), one RATE_LIMITED per window, the flood dropped, other users untouched.
import { describe, expect, it } from 'vitest';
import { useLocalChat } from './support/chat.ts';
import { waitUntilTime } from './support/wait.ts';

const FRAMES = 5;
/** Long enough that each test's burst is counted within one window even on a loaded machine. */
const WINDOW_MS = 4000;
const chat = useLocalChat({ env: { RATE_LIMIT_FRAMES: String(FRAMES), RATE_LIMIT_WINDOW_MS: String(WINDOW_MS) } });

describe('rate limiting', () => {
  it('serves the first N frames of a window, tells the flooder once, drops the rest, and serves others', async () => {
    const bob = await chat.login('bob');
    const flooder = await chat.login('flooder'); // that was frame 1, opening its window just before the burst
    for (let n = 1; n <= 20; n += 1) flooder.send(`flood ${n}`);
    const limited = await flooder.error('RATE_LIMITED');
    expect(limited.message).toMatch(/at most 5 frames per 4 s/u);
    bob.send('still here'); // bob has his own window
    expect((await bob.waitFor((e) => e.type === 'message' && e.text === 'still here', 'own message')).type).toBe('message');
    // The flood's handlers run concurrently with bob's: count only once all of them are done and delivered.
    await chat.settled(bob, flooder);
    const floods = bob.received('message').filter((e) => e.text.startsWith('flood'));
    expect(floods.length).toBeLessThanOrEqual(4); // 5 frames per window, one of them the /nick
    expect(flooder.received('error').filter((e) => e.code === 'RATE_LIMITED')).toHaveLength(1);
  });

  it('lets the connection speak again in the next window', async () => {
    const talker = await chat.login('talker');
    // Its /nick opened the window before the login event was sent, so the window is over by then + WINDOW_MS.
    const windowOver = Date.now() + WINDOW_MS;
    for (let n = 1; n <= 8; n += 1) talker.send(`burst ${n}`);
    await talker.error('RATE_LIMITED');
    // A genuine wait for time to pass (the configured window), not for an event: the next frame opens a new one.
    await waitUntilTime(windowOver);
    talker.send('calm again');
    expect((await talker.waitFor((e) => e.type === 'message' && e.text === 'calm again', 'after the window')).type).toBe('message');
  });
});
