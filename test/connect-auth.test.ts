// Optional `$connect` authorisation (a shared token or an HS256 JWT), end to end: refused handshakes
// get 401 (no token) or 403 (a wrong one) and leave nothing in the table.
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createConnectAuth, DEFAULT_JWT_MAX_LIFETIME_SECONDS } from '../functions/connect-auth.ts';
import { buildChat } from '../functions/container.ts';
import { LOCAL_AWS_ENV } from '../local/aws-env.ts';
import { useLocalChat } from './support/chat.ts';
import { ChatClient, HandshakeRefused } from './support/client.ts';
import { connectEvent } from './support/lambda.ts';
import { partitionKeys } from './support/table.ts';

const SHARED = 'correct horse battery staple';
const JWT_KEY = 'a-signing-key-of-at-least-32-bytes!!';
const chat = useLocalChat({ env: { CONNECT_TOKEN: SHARED, CONNECT_JWT_SECRET: JWT_KEY, CONNECT_JWT_AUDIENCE: 'wschat' } });

const jwt = (claims: { aud?: string; exp?: string }) => {
  let token = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (claims.aud) token = token.setAudience(claims.aud);
  token = token.setExpirationTime(claims.exp ?? '5m');
  return token.sign(new TextEncoder().encode(JWT_KEY));
};

const nowSeconds = () => Math.floor(Date.now() / 1000);
const DAY = DEFAULT_JWT_MAX_LIFETIME_SECONDS;

/** A token with these absolute `iat`/`exp` (epoch seconds); `iat: null` leaves the claim out. */
const jwtAt = ({ iat, exp }: { iat: number | null; exp: number }, key = JWT_KEY) => {
  let token = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setAudience('wschat').setExpirationTime(exp);
  if (iat !== null) token = token.setIssuedAt(iat);
  return token.sign(new TextEncoder().encode(key));
};

async function tableItems(): Promise<number> {
  return (await partitionKeys(chat.chat.dynamodbEndpoint, chat.chat.tableName)).length;
}

describe('$connect authorisation', () => {
  it('refuses without a token (401) and with a wrong one (403), writing nothing', async () => {
    const before = await tableItems();
    await expect(chat.connect()).rejects.toEqual(new HandshakeRefused(401));
    await expect(chat.connect({ token: 'guess' })).rejects.toEqual(new HandshakeRefused(403));
    await expect(chat.connect({ token: await jwt({ aud: 'someone-else' }) })).rejects.toEqual(new HandshakeRefused(403));
    await expect(chat.connect({ token: await jwt({ aud: 'wschat', exp: '-1m' }) })).rejects.toEqual(new HandshakeRefused(403));
    await expect(chat.connect({ token: 'guess', nickname: 'mallory' })).rejects.toEqual(new HandshakeRefused(403));
    const forever = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setAudience('wschat').sign(new TextEncoder().encode(JWT_KEY));
    await expect(chat.connect({ token: forever })).rejects.toEqual(new HandshakeRefused(403)); // no expiry: refused
    expect(await tableItems()).toBe(before);
  });

  it('accepts the shared token in the query string, and a valid JWT', async () => {
    const viaToken = await chat.connect({ token: SHARED, nickname: 'alice' });
    viaToken.send('/whoami');
    expect((await viaToken.next('whoami')).nickname).toBe('alice');
    const viaJwt = await chat.connect({ token: await jwt({ aud: 'wschat' }) });
    viaJwt.send('/nick bob');
    expect((await viaJwt.next('login')).nickname).toBe('bob');
  });

  it('accepts the token as an Authorization: Bearer header (for non-browser clients)', async () => {
    const client = await ChatClient.open(chat.chat.url, { headers: { Authorization: `Bearer ${SHARED}` } });
    client.send('/whoami');
    expect((await client.next('whoami')).nickname).toBeNull();
    await client.close();
  });
});

describe('JWT lifetime', () => {
  it('refuses a token issued for longer than 24 h (a 100-year exp), writing nothing', async () => {
    const before = await tableItems();
    const now = nowSeconds();
    await expect(chat.connect({ token: await jwtAt({ iat: now, exp: now + 100 * 365 * DAY }) })).rejects.toEqual(new HandshakeRefused(403));
    await expect(chat.connect({ token: await jwtAt({ iat: now, exp: now + DAY + 1 }) })).rejects.toEqual(new HandshakeRefused(403));
    // Issued long ago with a long life: still refused, though what is left of it is short.
    await expect(chat.connect({ token: await jwtAt({ iat: now - 2 * DAY, exp: now + 60 }) })).rejects.toEqual(new HandshakeRefused(403));
    expect(await tableItems()).toBe(before);
  });

  it('accepts a token issued for up to 24 h', async () => {
    const now = nowSeconds();
    const exactlyADay = await chat.connect({ token: await jwtAt({ iat: now, exp: now + DAY }) });
    const issuedEarlier = await chat.connect({ token: await jwtAt({ iat: now - 3600, exp: now + DAY - 3600 }) });
    for (const client of [exactlyADay, issuedEarlier]) {
      client.send('/whoami');
      expect((await client.next('whoami')).nickname).toBeNull();
    }
  });

  it('refuses a token without iat: its lifetime cannot be known', async () => {
    const now = nowSeconds();
    await expect(chat.connect({ token: await jwtAt({ iat: null, exp: now + 300 }) })).rejects.toEqual(new HandshakeRefused(403));
  });

  it('allows 30 s of clock skew on exp and iat, and no more', async () => {
    const now = nowSeconds();
    await chat.connect({ token: await jwtAt({ iat: now - 300, exp: now - 10 }) }); // expired 10 s ago by our clock
    await chat.connect({ token: await jwtAt({ iat: now + 10, exp: now + 600 }) }); // issued 10 s "from now"
    await expect(chat.connect({ token: await jwtAt({ iat: now - 300, exp: now - 60 }) })).rejects.toEqual(new HandshakeRefused(403));
    await expect(chat.connect({ token: await jwtAt({ iat: now + 120, exp: now + 600 }) })).rejects.toEqual(new HandshakeRefused(403));
  });

  it('takes its bound from CONNECT_JWT_MAX_LIFETIME_SECONDS, and fails loudly on a value that is not a positive integer', () => {
    const env = { ...LOCAL_AWS_ENV, TABLE_NAME: 'unused', CONNECT_JWT_SECRET: JWT_KEY }; // a Lambda's environment has its credentials
    expect(() => buildChat({ ...env, CONNECT_JWT_MAX_LIFETIME_SECONDS: '3600' })).not.toThrow();
    expect(() => buildChat({ ...env, CONNECT_JWT_MAX_LIFETIME_SECONDS: '' })).not.toThrow(); // empty = the default
    for (const bad of ['0', '-60', '1.5', '1e3', 'abc', '24h', ' ']) {
      expect(() => buildChat({ ...env, CONNECT_JWT_MAX_LIFETIME_SECONDS: bad })).toThrow(/CONNECT_JWT_MAX_LIFETIME_SECONDS/);
    }
  });

  it('applies a configured bound', async () => {
    const authorize = createConnectAuth({ jwtSecret: JWT_KEY, jwtMaxLifetimeSeconds: 600 });
    const eventWith = (token: string) => connectEvent('c=', { token });
    const now = nowSeconds();
    expect(await authorize?.(eventWith(await jwtAt({ iat: now, exp: now + 600 })))).toEqual({ ok: true });
    expect(await authorize?.(eventWith(await jwtAt({ iat: now, exp: now + 601 })))).toMatchObject({ ok: false, statusCode: 403 });
  });
});
