// NICKNAME_FROM_CLAIM binds a nickname key to the account (`sub`) that used it (functions/store/owners.ts).
// Two accounts whose sign-in names are look-alikes (one key) logging in at once, each in its own Lambda
// invocation: whatever the interleaving of their store calls, exactly one of them must end up with the
// name, its claim, its binding and its resume record, and the other with nothing. Also: without the
// setting, or for a connection whose authorizer names nobody, names are chosen freely, as before.
import { describe, expect, it } from 'vitest';
import { parseNickname } from '../functions/core/nickname.ts';
import { issueToken } from '../functions/chat/resume-secret.ts';
import { SHARED_TOKEN_IDENTITY } from '../functions/authorizer.ts';
import type { ChatStore } from '../functions/store.ts';
import { useLocalChat } from './support/chat.ts';
import { everyInterleaving, interleave, type Chooser } from './support/interleaving.ts';
import { connectEvent, directChat, disconnectEvent, messageEvent, type AuthorizerContext } from './support/lambda.ts';

/** Hundreds of runs of real store calls: seconds idle, several times that on a loaded machine. Only a hang guard. */
const WALK_TIMEOUT_MS = 180_000;
const harness = useLocalChat({ env: { RATE_LIMIT_FRAMES: '0' } });

// The calls that read or decide who binds, claims and names; the rest (numbering the announcement, the
// room counter) run ungated inside their task.
const DECIDING_CALLS: ReadonlySet<keyof ChatStore> = new Set<keyof ChatStore>([
  'countFrame',
  'createConnection',
  'getConnection',
  'getResume',
  'bindNickname',
  'beginLogin',
  'claimNickname',
  'takeOverClaim',
  'getClaim',
  'releaseClaim',
  'setNickname',
  'rotateResume',
  'issueResume',
]);

const keyOf = (name: string): string => {
  const parsed = parseNickname(name);
  if (!parsed.ok) throw new Error(`bad test name ${name}`);
  return parsed.key;
};

let round = 0;

/** One round's two accounts: `mike<n>` and `rnike<n>`, two Latin spellings (distinct users at the IdP) of one look-alike key. */
function rivals() {
  round += 1;
  const original = { id: `original${round}=`, sub: `u-original-${round}`, name: `mike${round}` };
  const lookalike = { id: `lookalike${round}=`, sub: `u-lookalike-${round}`, name: `rnike${round}` }; // another Latin spelling of mike's key
  const key = keyOf(original.name);
  if (keyOf(lookalike.name) !== key) throw new Error('the rivals must share a key');
  return { original, lookalike, key };
}

type Account = ReturnType<typeof rivals>['original'];
const authorizer = (account: Account): AuthorizerContext => ({ principalId: account.sub, sub: account.sub, name: account.name });

function gatedChat() {
  const store = harness.store();
  const interleaving = interleave<ChatStore>(store, DECIDING_CALLS);
  const chat = directChat({ store: interleaving.gated, callbackUrl: harness.chat.callbackUrl, nicknameFromClaim: true });
  return { store, chat, run: interleaving.run };
}

/** Exactly one of `accounts` holds the key: its connection's name, the claim, the binding and the resume record. */
async function expectOneHolder(store: ChatStore, key: string, accounts: readonly Account[]): Promise<Account> {
  const items = await Promise.all(accounts.map((account) => store.getConnection(account.id)));
  const holders = accounts.filter((_, i) => items[i]?.nicknameKey === key);
  expect(holders.map((account) => account.sub), 'exactly one account has the name').toHaveLength(1);
  const [holder] = holders;
  if (!holder) throw new Error('no holder');
  expect(items[accounts.indexOf(holder)]?.nickname, 'in its own spelling').toBe(holder.name);
  for (const [i, account] of accounts.entries()) if (account !== holder) expect(items[i]?.nickname ?? null, `${account.sub} has no name`).toBeNull();
  expect((await store.getClaim(key))?.connectionId, 'the claim').toBe(holder.id);
  expect((await store.getNicknameOwner(key))?.sub, 'the binding').toBe(holder.sub);
  expect((await store.getResume(key))?.sub, 'the resume record').toBe(holder.sub);
  return holder;
}

describe('two accounts logging in to look-alike names at once', () => {
  it('/nick and ?nickname=, in every interleaving of their deciding store calls, leave exactly one holding the name', async () => {
    const { store, chat, run } = gatedChat();
    const { runs, winners } = await walkEvery(async (chooser) => {
      const { original, lookalike, key } = rivals();
      await store.createConnection(original.id, Date.now());
      const widths = await run(
        [
          () => chat.message(messageEvent(original.id, `/nick ${original.name}`, undefined, authorizer(original))),
          () => chat.connect(connectEvent(lookalike.id, { nickname: lookalike.name }, undefined, authorizer(lookalike))),
        ],
        chooser,
      );
      const winner = (await expectOneHolder(store, key, [original, lookalike])) === original ? 'original' : 'lookalike';
      await Promise.all([chat.disconnect(disconnectEvent(original.id)), chat.disconnect(disconnectEvent(lookalike.id))]);
      return { widths, winner };
    });
    console.log(`binding race: ${runs} interleavings of two accounts' logins to one key, each leaving one holder`);
    expect(runs).toBeGreaterThan(20); // the walk really branched
    expect([...winners].sort()).toEqual(['lookalike', 'original']); // and either may win
  }, WALK_TIMEOUT_MS);

  it('a resume after the binding lapsed, racing another account’s /nick: exactly one holds the name in every interleaving', async () => {
    const { store, chat, run } = gatedChat();
    const { runs, winners } = await walkEvery(async (chooser) => {
      const { original, lookalike, key } = rivals();
      const token = await awayWithLapsedBinding(store, original, key);
      const resuming = { ...original, id: `back${round}=` };
      await Promise.all([store.createConnection(resuming.id, Date.now()), store.createConnection(lookalike.id, Date.now())]);
      const widths = await run(
        [
          () => chat.message(messageEvent(resuming.id, `/resume ${token}`, undefined, authorizer(resuming))),
          () => chat.message(messageEvent(lookalike.id, `/nick ${lookalike.name}`, undefined, authorizer(lookalike))),
        ],
        chooser,
      );
      const winner = (await expectOneHolder(store, key, [resuming, lookalike])) === resuming ? 'resume' : 'nick';
      await Promise.all([chat.disconnect(disconnectEvent(resuming.id)), chat.disconnect(disconnectEvent(lookalike.id))]);
      return { widths, winner };
    });
    console.log(`binding race: ${runs} interleavings of a resume and another account's /nick, each leaving one holder`);
    expect(runs).toBeGreaterThan(20);
    expect([...winners].sort()).toEqual(['nick', 'resume']);
  }, WALK_TIMEOUT_MS);
});

/** Runs `step` once per interleaving of the walk; how many there were, and who won across them. */
async function walkEvery(step: (chooser: Chooser) => Promise<{ widths: number[]; winner: string }>): Promise<{ runs: number; winners: Set<string> }> {
  const walk = everyInterleaving();
  const winners = new Set<string>();
  let runs = 0;
  for (let chooser: Chooser | null = walk.chooser; chooser; runs += 1) {
    const { widths, winner } = await step(chooser);
    winners.add(winner);
    chooser = walk.next(widths);
  }
  return { runs, winners };
}

/**
 * `account` used its name, went away (its connection gone, its resume record kept), and its binding
 * lapsed: the name is free for anyone, and the account's resume token still current.
 */
async function awayWithLapsedBinding(store: ChatStore, account: Account, key: string): Promise<string> {
  const now = Date.now();
  await store.createConnection(account.id, now);
  const loginSeq = (await store.beginLogin(account.id)) ?? 0;
  await store.claimNickname(key, account.name, account.id, now, loginSeq);
  await store.setNickname(account.id, account.name, key, 'lobby', loginSeq, { session: `session${round}` });
  const issued = issueToken(key);
  const expiresAt = Math.floor(now / 1000) + 600;
  await store.issueResume(key, { nickname: account.name, tokenHash: issued.tokenHash, connectionId: account.id, loginSeq, room: 'lobby', ignoring: false, expiresAt, session: `session${round}`, sub: account.sub });
  await store.bindNickname(key, { sub: account.sub, nickname: account.name, now, expiresAt: Math.floor(now / 1000) - 1 });
  await store.deleteConnection(account.id);
  await store.releaseClaim(key, account.id);
  await store.markAway(key, account.id, { at: now, room: 'lobby', ignoring: false, leftAnnounced: true });
  return issued.token;
}

describe('connections NICKNAME_FROM_CLAIM does not bind', () => {
  const freeLogin = async (nicknameFromClaim: boolean, context: AuthorizerContext | undefined) => {
    const store = harness.store();
    const chat = directChat({ store, callbackUrl: harness.chat.callbackUrl, nicknameFromClaim });
    round += 1;
    const id = `free${round}=`;
    const name = `anyone${round}`;
    await store.createConnection(id, Date.now());
    await chat.message(messageEvent(id, `/nick ${name}`, undefined, context));
    const item = await store.getConnection(id);
    const owner = await store.getNicknameOwner(keyOf(name));
    const resume = await store.getResume(keyOf(name));
    await chat.disconnect(disconnectEvent(id));
    return { nickname: item?.nickname ?? null, owner, sub: resume?.sub };
  };
  const free = { nickname: expect.stringMatching(/^anyone\d+$/), owner: null, sub: null };

  it('with the setting, a connection without an authorizer, or with the shared token (a sub, no name), picks any name', async () => {
    expect(await freeLogin(true, undefined)).toEqual(free);
    expect(await freeLogin(true, { principalId: SHARED_TOKEN_IDENTITY.sub, ...SHARED_TOKEN_IDENTITY })).toEqual(free);
  });

  it('without the setting, a signed-in connection picks any name, and nothing is bound', async () => {
    expect(await freeLogin(false, { principalId: 'u-free', sub: 'u-free', name: 'someone-else' })).toEqual(free);
  });
});
