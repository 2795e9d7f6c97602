// NICKNAME_FROM_CLAIM against posing (issue 12): a signed-in account may use only its own name, exactly as
// its IdP spells it, and a name key is bound to the account (`sub`) that used it, so neither an account
// whose IdP name is a look-alike (`rnel` beside `mel`, a distinct user at the IdP) nor one the IdP later
// gave the same name takes it over while its owner is away; resume tokens are bound to the account too. Real issuer on loopback, the real authorizer and chat under the local gateway.
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { parseNickname } from '../functions/core/nickname.ts';
import { DEFAULT_SETTINGS } from '../functions/settings.ts';
import { localDynamoClient } from '../local/dynamodb-sdk.ts';
import { useClaimNamedChat } from './support/claim-named-chat.ts';
import { HandshakeRefused, type ChatClient } from './support/client.ts';
import { runTs } from './support/processes.ts';
import { partitionKeys } from './support/table.ts';

const { chat, tokenWith } = await useClaimNamedChat({ RATE_LIMIT_FRAMES: '0' });
const tokenFor = (sub: string, username: string) => tokenWith(sub, { preferred_username: username });
const signedIn = async (sub: string, username: string, query: Record<string, string> = {}) => chat.connect({ token: await tokenFor(sub, username), ...query });
const keyOf = (name: string) => {
  const parsed = parseNickname(name);
  if (!parsed.ok) throw new Error(`bad test name ${name}`);
  return parsed.key;
};
const itemCount = async () => (await partitionKeys(chat.chat.dynamodbEndpoint, chat.chat.tableName)).length;

/** Logs in with /nick and returns the login event, or the error the chat answered with. */
async function nick(client: ChatClient, name: string) {
  client.send(`/nick ${name}`);
  return client.waitFor((e) => e.type === 'login' || e.type === 'error', 'login or error');
}

/** Logs an account in as its own name, then closes the connection: the name is free, its binding stays. */
async function usedOnce(sub: string, name: string): Promise<string> {
  const client = await signedIn(sub, name);
  expect(await nick(client, name)).toMatchObject({ type: 'login', nickname: name });
  const token = client.resumeToken();
  await client.close();
  return token;
}

describe('NICKNAME_FROM_CLAIM: only the claim’s own spelling', () => {
  it('a different account whose IdP name is a look-alike cannot display exactly as another account', async () => {
    const watcher = await signedIn('u-watch', 'watcher', { nickname: 'watcher' });
    const real = await signedIn('u-alice', 'alice', { nickname: 'alice' });
    await real.close();
    await chat.settled(watcher);
    const imitator = await signedIn('u-mallory', 'аӏісе');
    const answer = await nick(imitator, 'alice');
    expect(answer.type === 'login' ? `logged in as ${answer.nickname}` : answer.type).toBe('error');
    // Refused before it could bind anything: a whole-script imitation of a Latin name is no sign-in name here.
    expect(answer).toMatchObject({ code: 'INVALID_NICKNAME', message: expect.stringContaining('"аӏісе" looks exactly like "alice"') });
  });

  it('takes the claim only as it is spelt, not another spelling of the same key nor another case or width: 403 at $connect, writing nothing', async () => {
    expect(keyOf('ВОВ')).toBe(keyOf('bob')); // all-Cyrillic, the look-alike key of bob
    const before = await itemCount();
    for (const other of ['ВОВ', 'bob', 'ＢＯＢ']) await expect(signedIn('u-bob', 'Bob', { nickname: other }), other).rejects.toEqual(new HandshakeRefused(403));
    expect(await itemCount()).toBe(before);
    const bob = await signedIn('u-bob', 'Bob', { nickname: 'Bob' });
    bob.send('/whoami');
    expect((await bob.next('whoami')).nickname).toBe('Bob');
    const onlyBob = { type: 'error', code: 'INVALID_NICKNAME', message: 'You are signed in as "Bob": that is the only nickname you may use here.' };
    expect(await nick(bob, 'ВОВ')).toMatchObject(onlyBob);
    expect(await nick(bob, 'BOB')).toMatchObject(onlyBob);
  });
});

describe('NICKNAME_FROM_CLAIM: a name is bound to the account that used it', () => {
  const owned = 'The nickname "rnel" (or one that looks like it) belongs to another account here. If it is yours, ask the administrator to free it.';

  it('refuses a look-alike account its own IdP name while the binding lasts, online or not, and writes nothing', async () => {
    expect(keyOf('rnel')).toBe(keyOf('mel')); // another Latin spelling, a distinct user at the IdP
    const mel = await signedIn('u-mel', 'mel', { nickname: 'mel' });
    const imitator = await signedIn('u-imitator', 'rnel');
    expect(await nick(imitator, 'rnel')).toMatchObject({ type: 'error', code: 'NICKNAME_TAKEN', message: owned });
    await mel.close();
    await chat.settled(imitator);
    expect(await nick(imitator, 'rnel')).toMatchObject({ type: 'error', code: 'NICKNAME_TAKEN', message: owned });
    const before = await itemCount();
    await expect(signedIn('u-imitator', 'rnel', { nickname: 'rnel' })).rejects.toEqual(new HandshakeRefused(409));
    expect(await itemCount()).toBe(before);
    expect((await chat.store().getNicknameOwner(keyOf('mel')))?.sub).toBe('u-mel');
    // The owner comes back to it.
    const back = await signedIn('u-mel', 'mel');
    expect(await nick(back, 'mel')).toMatchObject({ type: 'login', nickname: 'mel' });
  });

  it('refuses the same name to a new account (the IdP gave it to someone else), and binds for NICKNAME_OWNER_TTL_SECONDS from each login', async () => {
    const startedAt = Math.floor(Date.now() / 1000);
    await usedOnce('u-coco', 'coco');
    const owner = await chat.store().getNicknameOwner(keyOf('coco'));
    const ttl = DEFAULT_SETTINGS.nicknameOwnerTtlSeconds;
    expect(owner).toMatchObject({ sub: 'u-coco', nickname: 'coco' });
    expect(owner?.expiresAt).toBeGreaterThanOrEqual(startedAt + ttl);
    expect(owner?.expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + ttl);
    const successor = await signedIn('u-coco-2', 'coco');
    expect(await nick(successor, 'coco')).toMatchObject({ type: 'error', code: 'NICKNAME_TAKEN' });
    await usedOnce('u-coco', 'Coco');
    const refreshed = await chat.store().getNicknameOwner(keyOf('coco'));
    expect(refreshed).toMatchObject({ sub: 'u-coco', nickname: 'Coco' });
    expect(refreshed?.boundAt).toBeGreaterThan(owner?.boundAt ?? Infinity);
  });

  it('an administrator frees a name by deleting the item npm run nickname-key names; then the next account to log in owns it', async () => {
    await usedOnce('u-mum', 'mum');
    const { stdout } = await runTs('scripts/nickname-key.ts', ['rnurn']); // any spelling of the key names the same item
    const key: unknown = JSON.parse(stdout);
    expect(key).toEqual({ pk: { S: `OWNER#${keyOf('mum')}` } });
    const imitator = await signedIn('u-mum-imitator', 'rnurn');
    expect(await nick(imitator, 'rnurn')).toMatchObject({ type: 'error', code: 'NICKNAME_TAKEN' });
    const dynamodb = localDynamoClient(chat.chat.dynamodbEndpoint);
    try {
      // What `aws dynamodb delete-item --table-name … --key "$(npm run -s nickname-key -- mum)"` sends.
      await dynamodb.send(new DeleteItemCommand({ TableName: chat.chat.tableName, Key: { pk: { S: `OWNER#${keyOf('mum')}` } } }));
    } finally {
      dynamodb.destroy();
    }
    expect(await nick(imitator, 'rnurn')).toMatchObject({ type: 'login', nickname: 'rnurn' });
    expect((await chat.store().getNicknameOwner(keyOf('mum')))?.sub).toBe('u-mum-imitator');
    const former = await signedIn('u-mum', 'mum');
    expect(await nick(former, 'mum')).toMatchObject({ type: 'error', code: 'NICKNAME_TAKEN' });
  });
});

describe('NICKNAME_FROM_CLAIM: a resume token is bound to the account', () => {
  const notYours = 'The resume token was issued to another account (or before sign-in named accounts). Log in with /nick NAME.';

  it('refuses another account’s token by /resume and ?resume=, changing nothing; the owner resumes with it', async () => {
    const token = await usedOnce('u-mia', 'mia');
    expect((await chat.store().getResume(keyOf('mia')))?.sub).toBe('u-mia');
    for (const [sub, name] of [['u-mia-imitator', 'rnia'], ['u-mia-2', 'mia']] as const) {
      const other = await signedIn(sub, name);
      other.send(`/resume ${token}`);
      expect((await other.error('RESUME_FAILED')).message).toBe(notYours);
      await expect(signedIn(sub, name, { resume: token })).rejects.toEqual(new HandshakeRefused(400));
    }
    const owner = await signedIn('u-mia', 'mia');
    owner.send(`/resume ${token}`);
    expect((await owner.next('resumed')).nickname).toBe('mia');
    const resumed = owner.resumeToken();
    await owner.close();
    const again = await signedIn('u-mia', 'mia', { resume: resumed });
    expect((await again.next('resumed')).nickname).toBe('mia');
    expect((await chat.store().getResume(keyOf('mia')))?.sub).toBe('u-mia');
  });
});
