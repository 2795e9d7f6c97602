// NICKNAME_FROM_CLAIM against posing (issue 12): a signed-in account may use only its own name, spelt as
// its IdP spells it (case and width aside), and a name key is bound to the account (`sub`) that used it,
// so neither an account whose IdP name is a look-alike (all-Cyrillic `аӏісе`, a distinct user at the IdP)
// nor one the IdP later gave the same name takes it over while its owner is away; resume tokens are bound
// to the account too. Real issuer on loopback, the real authorizer and chat under the local gateway.
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNickname } from '../functions/core/nickname.ts';
import { DEFAULT_SETTINGS } from '../functions/settings.ts';
import { localDynamoClient } from '../local/dynamodb.ts';
import { useLocalChat } from './support/chat.ts';
import { HandshakeRefused, type ChatClient } from './support/client.ts';
import { OidcIssuer } from './support/oidc-issuer.ts';
import { runTs } from './support/processes.ts';
import { partitionKeys } from './support/table.ts';

const AUDIENCE = 'wschat-test';
const issuer = await OidcIssuer.start();
afterAll(() => issuer.close());
await issuer.addKey('ES256', 'k1');
const chat = useLocalChat({
  env: {
    CONNECT_AUTH: 'jwt',
    JWT_ISSUER: issuer.issuer,
    JWT_AUDIENCE: AUDIENCE,
    JWKS_URL: issuer.jwksUrl,
    NICKNAME_FROM_CLAIM: 'true',
    RATE_LIMIT_FRAMES: '0',
  },
});
const tokenFor = (sub: string, username: string) => issuer.sign('k1', { sub, aud: AUDIENCE, preferred_username: username });
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
    expect(answer).toMatchObject({ code: 'INVALID_NICKNAME', message: 'You are signed in as "аӏісе": that is the only nickname you may use here.' });
  });

  it('takes case and width variants of the claim, refuses another spelling of the same key: 403 at $connect, writing nothing', async () => {
    expect(keyOf('ВОВ')).toBe(keyOf('bob')); // all-Cyrillic, the look-alike key of bob
    const before = await itemCount();
    await expect(signedIn('u-bob', 'Bob', { nickname: 'ВОВ' })).rejects.toEqual(new HandshakeRefused(403));
    expect(await itemCount()).toBe(before);
    const bob = await signedIn('u-bob', 'Bob', { nickname: 'ＢＯＢ' }); // full width
    bob.send('/whoami');
    expect((await bob.next('whoami')).nickname).toBe('ＢＯＢ');
    expect(await nick(bob, 'ВОВ')).toMatchObject({ type: 'error', code: 'INVALID_NICKNAME', message: 'You are signed in as "Bob": that is the only nickname you may use here.' });
    expect(await nick(bob, 'bob')).toMatchObject({ type: 'login', nickname: 'bob' });
  });
});

describe('NICKNAME_FROM_CLAIM: a name is bound to the account that used it', () => {
  const owned = 'The nickname "рор" (or one that looks like it) belongs to another account here. If it is yours, ask the administrator to free it.';

  it('refuses a look-alike account its own IdP name while the binding lasts, online or not, and writes nothing', async () => {
    expect(keyOf('рор')).toBe(keyOf('pop')); // all-Cyrillic
    const pop = await signedIn('u-pop', 'pop', { nickname: 'pop' });
    const imitator = await signedIn('u-imitator', 'рор');
    expect(await nick(imitator, 'рор')).toMatchObject({ type: 'error', code: 'NICKNAME_TAKEN', message: owned });
    await pop.close();
    await chat.settled(imitator);
    expect(await nick(imitator, 'рор')).toMatchObject({ type: 'error', code: 'NICKNAME_TAKEN', message: owned });
    const before = await itemCount();
    await expect(signedIn('u-imitator', 'рор', { nickname: 'рор' })).rejects.toEqual(new HandshakeRefused(409));
    expect(await itemCount()).toBe(before);
    expect((await chat.store().getNicknameOwner(keyOf('pop')))?.sub).toBe('u-pop');
    // The owner comes back to it, in any case.
    const back = await signedIn('u-pop', 'pop');
    expect(await nick(back, 'POP')).toMatchObject({ type: 'login', nickname: 'POP' });
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
    await usedOnce('u-dad', 'dad');
    const { stdout } = await runTs('scripts/nickname-key.ts', ['ԁаԁ']); // any spelling of the key names the same item
    const key: unknown = JSON.parse(stdout);
    expect(key).toEqual({ pk: { S: 'OWNER#dad' } });
    const imitator = await signedIn('u-dad-imitator', 'ԁаԁ');
    expect(await nick(imitator, 'ԁаԁ')).toMatchObject({ type: 'error', code: 'NICKNAME_TAKEN' });
    const dynamodb = localDynamoClient(chat.chat.dynamodbEndpoint);
    try {
      // What `aws dynamodb delete-item --table-name … --key "$(npm run -s nickname-key -- dad)"` sends.
      await dynamodb.send(new DeleteItemCommand({ TableName: chat.chat.tableName, Key: { pk: { S: 'OWNER#dad' } } }));
    } finally {
      dynamodb.destroy();
    }
    expect(await nick(imitator, 'ԁаԁ')).toMatchObject({ type: 'login', nickname: 'ԁаԁ' });
    expect((await chat.store().getNicknameOwner(keyOf('dad')))?.sub).toBe('u-dad-imitator');
    const former = await signedIn('u-dad', 'dad');
    expect(await nick(former, 'dad')).toMatchObject({ type: 'error', code: 'NICKNAME_TAKEN' });
  });
});

describe('NICKNAME_FROM_CLAIM: a resume token is bound to the account', () => {
  const notYours = 'The resume token was issued to another account (or before sign-in named accounts). Log in with /nick NAME.';

  it('refuses another account’s token by /resume and ?resume=, changing nothing; the owner resumes with it', async () => {
    const token = await usedOnce('u-joe', 'joe');
    expect((await chat.store().getResume(keyOf('joe')))?.sub).toBe('u-joe');
    for (const [sub, name] of [['u-joe-imitator', 'јое'], ['u-joe-2', 'joe']] as const) {
      const other = await signedIn(sub, name);
      other.send(`/resume ${token}`);
      expect((await other.error('RESUME_FAILED')).message).toBe(notYours);
      await expect(signedIn(sub, name, { resume: token })).rejects.toEqual(new HandshakeRefused(400));
    }
    const owner = await signedIn('u-joe', 'joe');
    owner.send(`/resume ${token}`);
    expect((await owner.next('resumed')).nickname).toBe('joe');
    const resumed = owner.resumeToken();
    await owner.close();
    const again = await signedIn('u-joe', 'joe', { resume: resumed });
    expect((await again.next('resumed')).nickname).toBe('joe');
    expect((await chat.store().getResume(keyOf('joe')))?.sub).toBe('u-joe');
  });
});
