// A connection's own /nick frames run concurrently (one Lambda invocation each, as on AWS). Whatever
// the interleaving of their store writes, the connection must end holding exactly the claim of the
// name its item carries, and no other: otherwise a stranger can take its name and its private messages.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNickname } from '../functions/core/nickname.ts';
import type { ChatStore } from '../functions/store.ts';
import { useLocalChat } from './support/chat.ts';
import { connectionIdOf, type ChatClient } from './support/client.ts';
import { everyInterleaving, interleave, type Chooser } from './support/interleaving.ts';
import { directChat, messageEvent } from './support/lambda.ts';

/** Hundreds of runs of real store calls: ~10 s idle, several times that on a loaded machine. Only a hang guard. */
const WALK_TIMEOUT_MS = 180_000;
const harness = useLocalChat({ env: { RATE_LIMIT_FRAMES: '0' } });

const keyOf = (name: string): string => {
  const parsed = parseNickname(name);
  if (!parsed.ok) throw new Error(`bad test name ${name}`);
  return parsed.key;
};

/** The invariant: the item's name is claimed by this connection, and none of the other names are. */
async function expectOneClaim(store: ChatStore, connectionId: string, names: readonly string[]): Promise<string> {
  const item = await store.getConnection(connectionId);
  expect(item?.nickname, 'the connection keeps a name').toBeTruthy();
  const current = item?.nicknameKey ?? '';
  for (const key of new Set(names.map(keyOf))) {
    const claim = await store.getClaim(key);
    if (key === current) expect(claim?.connectionId, `claim on the name in use, ${key}`).toBe(connectionId);
    else expect(claim?.connectionId, `stale claim on ${key}`).not.toBe(connectionId);
  }
  return item?.nickname ?? '';
}

const NAME_CALLS: ReadonlySet<keyof ChatStore> = new Set<keyof ChatStore>([
  'getConnection',
  'deleteConnection',
  'beginLogin',
  'setNickname',
  'claimNickname',
  'takeOverClaim',
  'getClaim',
  'releaseClaim',
]);

/** The chat's handlers over a store whose calls the test interleaves, posting through the real gateway. */
function gatedChat() {
  const store = harness.store();
  // The calls that decide who holds which name; the others (resume records, numbered announcements)
  // would multiply the interleavings without touching claims, and run ungated inside their frame.
  const interleaving = interleave<ChatStore>(store, NAME_CALLS);
  const chat = directChat({ store: interleaving.gated, callbackUrl: harness.chat.callbackUrl });
  return {
    store,
    /** Runs the frames of one connection concurrently under `choose`; returns the widths of each step. */
    frames: (connectionId: string, bodies: readonly string[], choose: Chooser) =>
      interleaving.run(
        bodies.map((body) => () => chat.message(messageEvent(connectionId, body))),
        choose,
      ),
  };
}

let round = 0;
/** Names unique to one round, so rounds never share claims. */
function roundNames(): (base: string) => string {
  round += 1;
  const suffix = round;
  return (base) => `${base}${suffix}`;
}

/** Logs a fresh client in through the gateway. */
async function freshUser(prefix: string): Promise<{ client: ChatClient; id: string; name: (base: string) => string }> {
  const name = roundNames();
  const client = await harness.login(name(prefix));
  return { client, id: await connectionIdOf(client), name };
}

/**
 * A logged-in connection written straight through the store (no socket: posts to it answer 410, which
 * a connection this young survives), for runs that need hundreds of fresh users quickly.
 */
async function storedUser(store: ChatStore, prefix: string): Promise<{ id: string; name: (base: string) => string; remove(): Promise<void> }> {
  const name = roundNames();
  const id = `race${round}=`;
  const now = Date.now();
  await store.createConnection(id, now);
  const loginSeq = (await store.beginLogin(id)) ?? 0;
  await store.claimNickname(keyOf(name(prefix)), name(prefix), id, now, loginSeq);
  await store.setNickname(id, name(prefix), keyOf(name(prefix)), 'race', loginSeq, { session: 'test-session' });
  return {
    id,
    name,
    async remove() {
      const removed = await store.deleteConnection(id);
      if (removed?.nicknameKey) await store.releaseClaim(removed.nicknameKey, id);
    },
  };
}

describe("a connection's own concurrent renames", () => {
  it('/nick B then /nick A without waiting, in every interleaving of their store calls, keeps A claimed', async () => {
    const gated = gatedChat();
    const walk = everyInterleaving();
    let chooser: Chooser | null = walk.chooser;
    let runs = 0;
    while (chooser) {
      const { id, name, remove } = await storedUser(gated.store, 'a');
      const widths = await gated.frames(id, [`/nick ${name('b')}`, `/nick ${name('a')}`], chooser);
      await expectOneClaim(gated.store, id, [name('a'), name('b')]);
      await remove();
      runs += 1;
      chooser = walk.next(widths);
    }
    console.log(`rename race: ${runs} interleavings of two /nick frames, each leaving one claim`);
    expect(runs).toBeGreaterThan(20); // the walk really branched
  }, WALK_TIMEOUT_MS);

  it('three /nick frames at once, over many random interleavings and names (property)', async () => {
    const gated = gatedChat();
    const names = fc.constantFrom('a', 'b', 'c');
    await fc.assert(
      fc.asyncProperty(fc.array(names, { minLength: 3, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 40 }), async (targets, picks) => {
        const { id, name, remove } = await storedUser(gated.store, 'a');
        try {
          const choose: Chooser = (waiting, step) => (picks[step] ?? 0) % waiting;
          await gated.frames(id, targets.map((target) => `/nick ${name(target)}`), choose);
          await expectOneClaim(gated.store, id, ['a', 'b', 'c'].map(name));
        } finally {
          await remove();
        }
      }),
      { numRuns: 100 },
    );
  }, WALK_TIMEOUT_MS);

  it('through the local gateway: back-to-back renames leave the name taken for everyone else', async () => {
    const store = harness.store();
    for (let rounds = 0; rounds < 15; rounds += 1) {
      const { client, id, name } = await freshUser('a');
      client.send(`/nick ${name('b')}`);
      client.send(`/nick ${name('c')}`);
      client.send(`/nick ${name('a')}`);
      // The reply to a later frame proves the gateway has received (and started) the three before it,
      // as one socket's frames arrive in order; then no invocation in flight means they all returned.
      await connectionIdOf(client);
      await harness.chat.gateway.whenIdle();
      const kept = await expectOneClaim(store, id, [name('a'), name('b'), name('c')]);
      const stranger = await harness.connect();
      stranger.send(`/nick ${kept}`);
      await stranger.error('NICKNAME_TAKEN');
      await Promise.all([client.close(), stranger.close()]);
    }
  });
});
