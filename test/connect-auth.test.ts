// Optional `$connect` authorisation (a shared token or an HS256 JWT), end to end: refused handshakes
// get 401 (no token) or 403 (a wrong one) and leave nothing in the table.
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { localDynamoClient } from '../local/dynamodb.ts';
import { useLocalChat } from './support/chat.ts';
import { ChatClient, HandshakeRefused } from './support/client.ts';

const SHARED = 'correct horse battery staple';
const JWT_KEY = 'a-signing-key-of-at-least-32-bytes!!';
const chat = useLocalChat({ env: { CONNECT_TOKEN: SHARED, CONNECT_JWT_SECRET: JWT_KEY, CONNECT_JWT_AUDIENCE: 'wschat' } });

const jwt = (claims: { aud?: string; exp?: string }) => {
  let token = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (claims.aud) token = token.setAudience(claims.aud);
  token = token.setExpirationTime(claims.exp ?? '5m');
  return token.sign(new TextEncoder().encode(JWT_KEY));
};

async function tableItems(): Promise<number> {
  const client = localDynamoClient(chat.chat.dynamodbEndpoint);
  const { Count } = await client.send(new ScanCommand({ TableName: chat.chat.tableName, Select: 'COUNT' }));
  client.destroy();
  return Count ?? 0;
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
    const client = await ChatClient.connectWithHeaders(chat.chat.url, { Authorization: `Bearer ${SHARED}` });
    client.send('/whoami');
    expect((await client.next('whoami')).nickname).toBeNull();
    await client.close();
  });
});
