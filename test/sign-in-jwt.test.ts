// Sign-in with an identity provider's JWT, end to end: a real OIDC issuer on loopback (discovery
// document and JWKS over HTTP, keys made with `jose`), the chat under the local gateway with the very
// authorizer handler the stack deploys (CONNECT_AUTH=jwt). Valid RS256 and ES256 tokens connect; every
// kind of bad token is refused with the right status before `$connect`, writing nothing; rotated keys
// are picked up without a restart.
import { createPublicKey } from 'node:crypto';
import { SignJWT, UnsecuredJWT, type JWK } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { createJwtVerifier } from '../functions/jwt-verifier.ts';
import { DEFAULT_SETTINGS } from '../functions/settings.ts';
import { useLocalChat } from './support/chat.ts';
import { HandshakeRefused } from './support/client.ts';
import { OidcIssuer, startTestIssuer } from './support/oidc-issuer.ts';
import { partitionKeys } from './support/table.ts';

const AUDIENCE = 'wschat-test';
const issuer = await OidcIssuer.start();
afterAll(() => issuer.close());
await issuer.addKey('RS256', 'rsa-1');
await issuer.addKey('ES256', 'ec-1');

// No JWKS_URL: the keys are found through the issuer's discovery document. No cooldown, so a rotation
// is seen at the first token that names the new key (the cooldown itself is checked below). A legacy
// CONNECT_TOKEN beside it changes nothing: with CONNECT_AUTH the authorizer alone decides.
const chat = useLocalChat({
  env: { CONNECT_AUTH: 'jwt', JWT_ISSUER: issuer.issuer, JWT_AUDIENCE: AUDIENCE, JWKS_COOLDOWN_SECONDS: '0', CONNECT_TOKEN: 'a-legacy-token' },
});

const now = () => Math.floor(Date.now() / 1000);
const claims = { sub: 'user-ada', aud: AUDIENCE, preferred_username: 'ada' };
const tableItems = async () => (await partitionKeys(chat.chat.dynamodbEndpoint, chat.chat.tableName)).length;

/** The public key as the PEM text an attacker would use as an HMAC secret. */
const pemOf = (jwk: JWK): string => createPublicKey({ key: { kty: jwk.kty ?? 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();

/** Splits a compact JWS and puts it back with a different payload, keeping the signature. */
function withPayload(token: string, payload: object): string {
  const [header, , signature] = token.split('.');
  return [header, Buffer.from(JSON.stringify(payload)).toString('base64url'), signature].join('.');
}

describe('sign-in with a JWT (CONNECT_AUTH=jwt)', () => {
  it.each(['rsa-1', 'ec-1'])('accepts a valid token signed with %s', async (kid) => {
    const client = await chat.connect({ token: await issuer.sign(kid, claims) });
    client.send('/nick ada');
    expect((await client.next('login')).nickname).toBe('ada');
  });

  it('answers 401 without a token, before anything runs; the legacy token is no JWT', async () => {
    const before = await tableItems();
    await expect(chat.connect()).rejects.toEqual(new HandshakeRefused(401));
    await expect(chat.connect({ token: 'a-legacy-token' })).rejects.toEqual(new HandshakeRefused(403));
    await expect(chat.connect({ nickname: 'mallory' })).rejects.toEqual(new HandshakeRefused(401));
    expect(await tableItems()).toBe(before);
  });

  it('refuses every kind of bad token with 403, writing nothing', async () => {
    const valid = await issuer.sign('rsa-1', claims);
    const publicKeyPem = pemOf(issuer.publicJwk('rsa-1'));
    const unpublished = await issuer.addKey('RS256', 'never-published');
    const byUnpublished = await issuer.sign(unpublished, claims);
    issuer.retireKey(unpublished);
    const bad: Record<string, string> = {
      expired: await issuer.sign('rsa-1', { ...claims, iat: now() - 600, exp: now() - 120 }),
      'not yet valid': await issuer.sign('ec-1', { ...claims, nbf: now() + 600 }),
      'wrong issuer': await issuer.sign('rsa-1', { ...claims, iss: 'https://issuer.example' }),
      'wrong audience': await issuer.sign('ec-1', { ...claims, aud: 'another-app' }),
      'unknown kid': byUnpublished,
      'alg none': new UnsecuredJWT({ ...claims, iss: issuer.issuer }).setIssuedAt().setExpirationTime('5m').encode(),
      'HS256 keyed with the public key': await new SignJWT({ ...claims, iss: issuer.issuer })
        .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(publicKeyPem)),
      'tampered payload': withPayload(valid, { ...claims, iss: issuer.issuer, sub: 'user-admin', iat: now(), exp: now() + 300 }),
      'lifetime over the bound': await issuer.sign('rsa-1', { ...claims, exp: now() + DEFAULT_SETTINGS.connectJwtMaxLifetimeSeconds + 3600 }),
      'no exp': await issuer.sign('rsa-1', { ...claims, exp: undefined }),
      'no sub': await issuer.sign('rsa-1', { ...claims, sub: undefined }),
      garbage: 'not.a.jwt',
    };
    const before = await tableItems();
    for (const [what, token] of Object.entries(bad)) {
      await expect(chat.connect({ token, nickname: 'mallory' }), what).rejects.toEqual(new HandshakeRefused(403));
    }
    expect(await tableItems()).toBe(before);
  });

  it('accepts tokens of a new key without a restart, and refuses those of a retired one', async () => {
    const old = await issuer.sign('rsa-1', claims);
    await (await chat.connect({ token: old })).close(); // the old key is known now
    await issuer.addKey('ES256', 'ec-2');
    issuer.retireKey('rsa-1');

    await chat.connect({ token: await issuer.sign('ec-2', claims) });
    // The retired key's tokens fail once the keys have been fetched again (here: for the new kid).
    await expect(chat.connect({ token: old })).rejects.toEqual(new HandshakeRefused(403));
    await issuer.addKey('RS256', 'rsa-1');
  });
});

describe('the JWKS cooldown', () => {
  it('fetches the keys once however many unknown kids arrive within it', async () => {
    const local = await startTestIssuer();
    await local.addKey('RS256', 'k1');
    const verify = createJwtVerifier({ issuer: local.issuer, audience: AUDIENCE, jwksUrl: local.jwksUrl, nameClaim: 'name', maxLifetimeSeconds: 3600, jwksCooldownMs: 3_600_000 });
    const stranger = await local.addKey('RS256', 'k-stranger');
    const strangerTokens = await Promise.all([1, 2, 3].map((n) => local.sign(stranger, { ...claims, sub: `s${n}` })));
    local.retireKey(stranger);

    expect(await verify(await local.sign('k1', { ...claims, name: 'Ada L.' }))).toEqual({ ok: true, identity: { sub: 'user-ada', name: 'Ada L.' } });
    for (const token of strangerTokens) expect(await verify(token)).toEqual({ ok: false, reason: 'ERR_JWKS_NO_MATCHING_KEY' });
    expect(local.jwksFetches).toBe(1);
  });

  it('says why it refused each kind of bad token (the reason the authorizer logs)', async () => {
    const local = await startTestIssuer();
    await local.addKey('RS256', 'k1');
    const verify = createJwtVerifier({ issuer: local.issuer, audience: AUDIENCE, jwksUrl: local.jwksUrl, nameClaim: 'name', maxLifetimeSeconds: 3600, jwksCooldownMs: 0 });
    const pem = pemOf(local.publicJwk('k1'));
    const cases: Array<[string, string]> = [
      [await local.sign('k1', { ...claims, iat: now() - 600, exp: now() - 120 }), 'ERR_JWT_EXPIRED'],
      [await local.sign('k1', { ...claims, nbf: now() + 600 }), 'ERR_JWT_CLAIM_VALIDATION_FAILED (nbf)'],
      [await local.sign('k1', { ...claims, iss: 'https://issuer.example' }), 'ERR_JWT_CLAIM_VALIDATION_FAILED (iss)'],
      [await local.sign('k1', { ...claims, aud: 'x' }), 'ERR_JWT_CLAIM_VALIDATION_FAILED (aud)'],
      [new UnsecuredJWT({ ...claims, iss: local.issuer }).setIssuedAt().setExpirationTime('5m').encode(), 'ERR_JOSE_ALG_NOT_ALLOWED'],
      [await new SignJWT({ ...claims, iss: local.issuer }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(pem)), 'ERR_JOSE_ALG_NOT_ALLOWED'],
      [withPayload(await local.sign('k1', claims), { ...claims, iss: local.issuer, sub: 'admin', iat: now(), exp: now() + 300 }), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
      [await local.sign('k1', { ...claims, exp: now() + 7200 }), 'LIFETIME_TOO_LONG'],
    ];
    for (const [token, reason] of cases) expect(await verify(token), reason).toEqual({ ok: false, reason });
  });

  it('passes the sub on as the name when the name claim is missing', async () => {
    const local = await startTestIssuer();
    await local.addKey('ES256', 'k1');
    const verify = createJwtVerifier({ issuer: local.issuer, audience: AUDIENCE, jwksUrl: local.jwksUrl, nameClaim: 'cognito:username', maxLifetimeSeconds: 3600, jwksCooldownMs: 0 });
    expect(await verify(await local.sign('k1', { sub: 'abc', aud: AUDIENCE }))).toEqual({ ok: true, identity: { sub: 'abc', name: 'abc' } });
  });
});
