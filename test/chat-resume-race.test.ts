// A resume races the `$disconnect` of the connection it takes the name from (on AWS each is its own
// Lambda invocation). Whatever the interleaving of their store calls, the user must end on the new
// connection with its name and room, the old one gone, the room counted right, and the room's view of
// the user consistent: it heard "left" only if it then heard "joined" again.
import { describe, expect, it } from 'vitest';
import { parseNickname } from '../functions/core/nickname.ts';
import { issueToken } from '../functions/chat/resume-secret.ts';
import type { ChatStore } from '../functions/store.ts';
import { useLocalChat } from './support/chat.ts';
import { connectionIdOf, type ChatClient } from './support/client.ts';
import { everyInterleaving, interleave, type Chooser } from './support/interleaving.ts';
import { directChat, disconnectEvent, messageEvent } from './support/lambda.ts';

/** Hundreds of runs of real store calls: seconds idle, several times that on a loaded machine. Only a hang guard. */
const WALK_TIMEOUT_MS = 180_000;
const harness = useLocalChat({ env: { RATE_LIMIT_FRAMES: '0' } });
const ROOM = 'racing';

// The calls that decide who holds the name and whether the room hears of it; the rest run ungated.
const DECIDING_CALLS: ReadonlySet<keyof ChatStore> = new Set<keyof ChatStore>([
  'deleteConnection',
  'releaseClaim',
  'markAway',
  'wasResumedFrom',
  'rotateResume',
  'claimNickname',
  'takeOverClaim',
  'setNickname',
]);

let round = 0;

/** A user on a stored connection (no socket) in ROOM, with a resume token. */
async function storedUser(store: ChatStore): Promise<{ id: string; nickname: string; key: string; token: string }> {
  round += 1;
  const nickname = `racer${round}`;
  const parsed = parseNickname(nickname);
  if (!parsed.ok) throw new Error('bad test name');
  const id = `old${round}=`;
  const now = Date.now();
  await store.createConnection(id, now);
  const loginSeq = (await store.beginLogin(id)) ?? 0;
  await store.claimNickname(parsed.key, nickname, id, now, loginSeq);
  await store.setNickname(id, nickname, parsed.key, ROOM, loginSeq, { session: 'test-session' });
  await store.enterRoom(ROOM);
  const issued = issueToken(parsed.key);
  const record = { nickname, tokenHash: issued.tokenHash, connectionId: id, loginSeq, room: ROOM, ignoring: false, expiresAt: Math.floor(now / 1000) + 600, session: `session${round}`, sub: null };
  await store.issueResume(parsed.key, record);
  return { id, nickname, key: parsed.key, token: issued.token };
}

describe('a resume racing the old connection’s $disconnect', () => {
  it('in every interleaving of their deciding store calls, leaves one user, counted once, and a consistent room', async () => {
    const store = harness.store();
    const interleaving = interleave<ChatStore>(store, DECIDING_CALLS);
    const chat = directChat({ store: interleaving.gated, callbackUrl: harness.chat.callbackUrl });
    const watcher = await harness.login('watcher');
    watcher.send(`/join ${ROOM}`);
    await watcher.next('room');
    const walk = everyInterleaving();
    let chooser: Chooser | null = walk.chooser;
    let runs = 0;
    while (chooser) {
      const user = await storedUser(store);
      const fresh: ChatClient = await harness.connect();
      const freshId = await connectionIdOf(fresh);
      const countBefore = await store.roomCount(ROOM);
      const widths = await interleaving.run(
        [() => chat.disconnect(disconnectEvent(user.id)), () => chat.message(messageEvent(freshId, `/resume ${user.token}`))],
        chooser,
      );
      await harness.settled(watcher, fresh);
      const item = await store.getConnection(freshId);
      const resumed = fresh.received('resumed').length === 1;
      if (resumed) {
        expect(item?.nickname, 'the new connection has the name').toBe(user.nickname);
        expect(item?.room, 'and the room').toBe(ROOM);
        expect((await store.getClaim(user.key))?.connectionId, 'and the claim').toBe(freshId);
        expect(await store.roomCount(ROOM), 'counted once').toBe(countBefore);
      } else {
        // Refused (a resume can lose only to a token that is not current): it changed nothing.
        expect(item?.nickname ?? null).toBeNull();
        expect(await store.roomCount(ROOM)).toBe(countBefore - 1);
      }
      expect(await store.getConnection(user.id), 'the old connection is gone').toBeNull();
      const heard = watcher.received('system').map((event) => event.text).filter((text) => text.startsWith(`${user.nickname} `));
      // The room's picture of the user must be right: present after a resume, gone otherwise.
      const present = heard.reduce((shown, text) => (text.endsWith(' joined') ? true : text.endsWith(' left') ? false : shown), true);
      expect(present, `the room heard ${JSON.stringify(heard)}`).toBe(resumed);
      await fresh.close();
      await harness.settled(watcher);
      runs += 1;
      chooser = walk.next(widths);
    }
    console.log(`resume race: ${runs} interleavings of a resume and the old connection's $disconnect`);
    expect(runs).toBeGreaterThan(10);
  }, WALK_TIMEOUT_MS);
});
