// The same client id sent twice at once (a retry that overtook the first send, or two connections of
// the same user after a resume): in every interleaving of their store calls the message is numbered,
// kept and broadcast exactly once, and every ack names that one seq.
import { describe, expect, it } from 'vitest';
import type { ChatStore } from '../functions/store.ts';
import { useLocalChat } from './support/chat.ts';
import { connectionIdOf } from './support/client.ts';
import { everyInterleaving, interleave, type Chooser } from './support/interleaving.ts';
import { directChat, messageEvent } from './support/lambda.ts';

/** Hundreds of runs of real store calls: seconds idle, several times that on a loaded machine. Only a hang guard. */
const WALK_TIMEOUT_MS = 180_000;
const harness = useLocalChat({ env: { RATE_LIMIT_FRAMES: '0' } });

const SENDING_CALLS: ReadonlySet<keyof ChatStore> = new Set<keyof ChatStore>(['claimSentMessage', 'nextSeq', 'addRoomEvent', 'storeSentMessage']);

describe('one client id sent twice at once', () => {
  it('is kept and broadcast once in every interleaving, and every ack names its seq', async () => {
    const store = harness.store();
    const interleaving = interleave<ChatStore>(store, SENDING_CALLS);
    const chat = directChat({ store: interleaving.gated, callbackUrl: harness.chat.callbackUrl });
    const sender = await harness.login('sender');
    const senderId = await connectionIdOf(sender);
    const watcher = await harness.login('watcher');
    const walk = everyInterleaving();
    let chooser: Chooser | null = walk.chooser;
    let runs = 0;
    while (chooser) {
      const text = `only once ${runs}`;
      const frame = JSON.stringify({ action: 'message', text, id: `c-${runs}` });
      const widths = await interleaving.run(
        [() => chat.message(messageEvent(senderId, frame)), () => chat.message(messageEvent(senderId, frame))],
        chooser,
      );
      await harness.settled(watcher, sender);
      const broadcast = watcher.received('message').filter((event) => event.text === text);
      expect(broadcast, 'broadcast once').toHaveLength(1);
      const kept = (await store.history('lobby', 50)).filter((event) => event.text === text);
      expect(kept.map((event) => event.seq), 'kept once, under the seq broadcast').toEqual([broadcast[0]?.seq]);
      const acks = sender.received('ack').filter((ack) => ack.id === `c-${runs}`);
      expect(acks.length, 'acknowledged at least once').toBeGreaterThanOrEqual(1);
      for (const ack of acks) expect(ack.seq).toBe(broadcast[0]?.seq);
      runs += 1;
      chooser = walk.next(widths);
    }
    console.log(`ack race: ${runs} interleavings of one id sent twice`);
    expect(runs).toBeGreaterThan(3);
  }, WALK_TIMEOUT_MS);
});
