// A post API Gateway refuses with 413 must reach the asker as an error, not as silence. Every reply
// fits the 128 KB AWS allows, so the refusal is caused here by a stage that allows less.
import { describe, expect, it } from 'vitest';
import { useLocalChat } from './support/chat.ts';

const chat = useLocalChat({ env: { RATE_LIMIT_FRAMES: '0' }, limits: { messageBytes: 600, frameBytes: 600 } });

describe('a reply over the stage message limit', () => {
  it('reaches the asker as TOO_LARGE, and everyone else is unaffected', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    alice.send('/help'); // about 1 KB: over this stage's 600 bytes
    const refused = await alice.error('TOO_LARGE');
    expect(refused.message).toBe('The help reply was too large to deliver.');
    bob.send('still here');
    expect((await alice.next('message')).text).toBe('still here');
  });
});
