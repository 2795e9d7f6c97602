// Attacks on NICKNAME_FROM_CLAIM (issue 12): can one account appear to others as another? Real issuer on
// loopback, the real authorizer and chat under the local gateway, dynalite, real `ws` clients.
import { describe, expect, it } from 'vitest';
import type { JWTPayload } from 'jose';
import { parseNickname } from '../functions/core/nickname.ts';
import { useClaimNamedChat } from './support/claim-named-chat.ts';
import { HandshakeRefused, type ChatClient } from './support/client.ts';

const { chat, tokenWith } = await useClaimNamedChat({ RATE_LIMIT_FRAMES: '0' });
const signedIn = async (sub: string, username: string, query: Record<string, string> = {}) =>
  chat.connect({ token: await tokenWith(sub, { preferred_username: username }), ...query });
const keyOf = (name: string) => {
  const parsed = parseNickname(name);
  if (!parsed.ok) throw new Error(`bad test name ${name}`);
  return parsed.key;
};

/** Logs in with /nick and returns the login event, or the error the chat answered with. */
async function nick(client: ChatClient, name: string) {
  client.send(`/nick ${name}`);
  return client.waitFor((e) => e.type === 'login' || e.type === 'error', 'login or error');
}

async function usersSeenBy(client: ChatClient): Promise<string[]> {
  client.send('/ls');
  return (await client.next('users')).users;
}

describe('a dot above on a letter that has its dot already', () => {
  // `i` + U+0307 COMBINING DOT ABOVE renders as a plain `i` (a soft-dotted letter loses its own dot under a
  // mark above), and so does a dotless `ı` + U+0307, yet the look-alike key kept the U+0307: `ki̇m` and `kim`
  // had two keys, so no binding (nor claim) kept them apart. Under NICKNAME_FROM_CLAIM an account whose IdP
  // name is the Turkish `KİM` (visibly not `KIM`) could log in as its lowercase spelling `ki̇m` (case aside,
  // the claim's own spelling), and sit in /ls beside the account `kim`, indistinguishable.
  const DOTTED = 'ki\u0307m'; // what `KİM` lowercases to
  const DOTLESS_DOTTED = 'k\u0131\u0307m';

  it('keeps an account named KİM at the IdP from showing as ki̇m beside the account kim (and refuses such a claim)', async () => {
    expect(DOTTED.toUpperCase().normalize('NFC')).toBe('KİM');
    const kim = await signedIn('u-kim', 'kim', { nickname: 'kim' });
    const turkish = await signedIn('u-kim-tr', 'KİM');
    expect(await nick(turkish, DOTTED)).toMatchObject({ type: 'error', code: 'INVALID_NICKNAME' });
    await expect(signedIn('u-kim-tr', 'KİM', { nickname: DOTTED })).rejects.toEqual(new HandshakeRefused(400));
    // Its own name as the IdP spells it stays open to it: a capital İ with its dot, not the plain i.
    expect(await nick(turkish, 'KİM')).toMatchObject({ type: 'login', nickname: 'KİM' });
    expect(await usersSeenBy(kim)).toEqual(['kim', 'KİM']);
    // An IdP name that is itself such a spelling allows no nickname at all.
    const dotless = await signedIn('u-kim-dotless', DOTLESS_DOTTED);
    expect(await nick(dotless, DOTLESS_DOTTED)).toMatchObject({ type: 'error', code: 'INVALID_NICKNAME' });
    expect(await usersSeenBy(kim)).toEqual(['kim', 'KİM']);
  });
});

describe('name claims that are missing, odd, or someone else’s sub', () => {
  it('a claim missing, empty, not a string or over 256 characters names the account by its sub, and only that', async () => {
    const cases: Array<[string, JWTPayload]> = [
      ['s-missing', {}],
      ['s-empty', { preferred_username: '' }],
      ['s-number', { preferred_username: 12345 }],
      ['s-array', { preferred_username: ['alice'] }],
      ['s-long', { preferred_username: `alice${'x'.repeat(300)}` }],
    ];
    for (const [sub, claims] of cases) {
      const client = await chat.connect({ token: await tokenWith(sub, claims) });
      expect(await nick(client, 'alice'), sub).toMatchObject({ type: 'error', code: 'INVALID_NICKNAME', message: `You are signed in as "${sub}": that is the only nickname you may use here.` });
      expect(await nick(client, sub), sub).toMatchObject({ type: 'login', nickname: sub });
      await client.close();
    }
  });

  it('a claim that is no valid nickname (space, zero-width, bidi control, @) allows no nickname, not even a cleaned-up one', async () => {
    for (const [i, claim] of ['alice smith', 'ali\u200bce', 'ali\u202ece', 'alice@example.com'].entries()) {
      const client = await signedIn(`u-odd-${i}`, claim);
      for (const asked of ['alice', 'alicesmith', `u-odd-${i}`]) {
        expect(await nick(client, asked), `${JSON.stringify(claim)} as ${asked}`).toMatchObject({ type: 'error', code: 'INVALID_NICKNAME' });
      }
      await expect(signedIn(`u-odd-${i}`, claim, { nickname: 'alice' })).rejects.toEqual(new HandshakeRefused(403));
      await client.close();
    }
  });

  it('a name claim equal to another account’s sub (that account’s name when it has none) is one name, first come: the later is locked out, neither poses', async () => {
    // Holds, but is a squat: the IdP keeps name claims unique among name claims, not against subs.
    const ownSub = 'okta00u1a2b3c4';
    const early = await chat.connect({ token: await tokenWith(ownSub) });
    expect(await nick(early, ownSub)).toMatchObject({ type: 'login', nickname: ownSub });
    await early.close();
    const claimer = await signedIn('u-claimer', ownSub);
    expect(await nick(claimer, ownSub)).toMatchObject({ type: 'error', code: 'NICKNAME_TAKEN' });
    // And the other way round: the claim first locks the sub-named account out of its only name.
    const squatted = 'okta00u9z8y7x6';
    const squatter = await signedIn('u-squatter', squatted);
    expect(await nick(squatter, squatted)).toMatchObject({ type: 'login', nickname: squatted });
    await squatter.close();
    const victim = await chat.connect({ token: await tokenWith(squatted) });
    expect(await nick(victim, squatted)).toMatchObject({ type: 'error', code: 'NICKNAME_TAKEN' });
  });

  it('an account renamed at the IdP keeps every name it logged in under bound (as documented): one sub, many bindings', async () => {
    await chat.connect({ token: await tokenWith('u-many', { preferred_username: 'first' }), nickname: 'first' }).then((c) => c.close());
    await chat.connect({ token: await tokenWith('u-many', { preferred_username: 'second' }), nickname: 'second' }).then((c) => c.close());
    const store = chat.store();
    expect((await store.getNicknameOwner(keyOf('first')))?.sub).toBe('u-many');
    expect((await store.getNicknameOwner(keyOf('second')))?.sub).toBe('u-many');
    await expect(signedIn('u-next-first', 'first', { nickname: 'first' })).rejects.toEqual(new HandshakeRefused(409));
  });
});

describe('looks the binding alone would not keep apart', () => {
  it('a whole-script imitation at the IdP that logs in first does not take the look from the Latin name', async () => {
    // The binding is first come: an account whose IdP name is all-Cyrillic `сосо` (a distinct username at the
    // IdP) logging in before `coco` ever did would be shown pixel for pixel as coco, and the real coco refused.
    // So such a sign-in name is refused outright (claimed-nickname.ts, imitatedLatin), and binds nothing.
    expect(keyOf('сосо')).toBe(keyOf('coco'));
    const imitator = await signedIn('u-coco-imitator', 'сосо');
    expect(await nick(imitator, 'сосо')).toMatchObject({ type: 'error', code: 'INVALID_NICKNAME', message: expect.stringContaining('looks exactly like "coco"') });
    await imitator.close();
    const genuine = await signedIn('u-coco', 'coco');
    expect(await nick(genuine, 'coco')).toMatchObject({ type: 'login', nickname: 'coco' });
  });

  it('an account whose IdP name is ai cannot show as AI beside the account Al', async () => {
    // `AI` would pass for `Al` in a sans-serif (the known gap "a bar after a word's single capital", README),
    // and the two have different keys: so only the claim's own case is taken, not a variant of it.
    expect(keyOf('AI')).not.toBe(keyOf('Al'));
    const al = await signedIn('u-al', 'Al', { nickname: 'Al' });
    const other = await signedIn('u-ai', 'ai');
    expect(await nick(other, 'AI')).toMatchObject({ type: 'error', code: 'INVALID_NICKNAME' });
    expect(await usersSeenBy(al)).toEqual(['Al']);
  });
});
