// The resume grace (its own file: one local chat per test file, since the in-process handlers share
// one container): a user whose socket closes is announced as left only once the grace has passed
// without a resume, so a quick reconnect shows the room nothing.
import { describe, expect, it } from 'vitest';
import { useLocalChat } from './support/chat.ts';

// A leave waits 60 s for a resume that would cancel it (the default is 30 s).
const graceful = useLocalChat({ env: { RATE_LIMIT_FRAMES: '0', RESUME_GRACE_MS: '60000' } });


describe('the resume grace', () => {
  it('within the grace after the socket closed, announces neither left nor joined; ignore comes back', async () => {
    const dave = await graceful.login('dave');
    dave.send('/i');
    await dave.next('ignore');
    const watcher = await graceful.login('watcher');
    const token = dave.resumeToken();
    await dave.close();
    await graceful.settled(watcher);
    const fresh = await graceful.connect();
    fresh.send(`/resume ${token}`);
    expect((await fresh.next('resumed')).nickname).toBe('dave');
    fresh.send('/i');
    expect((await fresh.next('ignore')).ignoring).toBe(false); // it was on: the toggle turns it off
    await graceful.settled(watcher, fresh);
    expect(watcher.received('system').filter((e) => /dave/u.test(e.text)).map((e) => e.text)).toEqual([]);
  });

});
