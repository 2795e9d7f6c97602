// functions/remote-jwks.ts: the issuer's keys as jose's createRemoteJWKSet keeps them (first use, age,
// unknown kid past the cooldown, one fetch at a time), against a real issuer on loopback; and what an
// issuer that answers badly gets: the verifier fails (KeySourceError: the authorizer answers 500), it
// does not call the token bad.
import { createServer } from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createJwtVerifier, KeySourceError } from '../functions/jwt-verifier.ts';
import { createJsonReader, createRemoteKeySet } from '../functions/remote-jwks.ts';
import { closeNow, listenOnLoopback } from '../local/listening.ts';
import { startTestIssuer } from './support/oidc-issuer.ts';

const AUDIENCE = 'wschat-test';
const claims = { sub: 'user-ada', aud: AUDIENCE };
const verifierFor = (issuer: string, jwksUrl: string, jwksCooldownMs = 0) =>
  createJwtVerifier({ issuer, audience: AUDIENCE, jwksUrl, nameClaim: 'name', maxLifetimeSeconds: 3600, jwksCooldownMs });

describe('the remote key set', () => {
  it('fetches the keys once for tokens that arrive together, and keeps them', async () => {
    const issuer = await startTestIssuer();
    await issuer.addKey('RS256', 'k1');
    const verify = verifierFor(issuer.issuer, issuer.jwksUrl, 3_600_000);
    const tokens = await Promise.all([1, 2, 3, 4].map((n) => issuer.sign('k1', { ...claims, sub: `u${n}` })));
    const verdicts = await Promise.all(tokens.map((token) => verify(token)));
    expect(verdicts.map((verdict) => verdict.ok)).toEqual([true, true, true, true]);
    expect(await verify(await issuer.sign('k1', claims))).toMatchObject({ ok: true });
    expect(issuer.jwksFetches).toBe(1);
  });

  it('fetches them again for an unknown kid once the cooldown is over, and again once they are older than their maximum age', async () => {
    const issuer = await startTestIssuer();
    await issuer.addKey('RS256', 'k1');
    const read = createJsonReader(5000);
    const rotating = createRemoteKeySet(new URL(issuer.jwksUrl), read, { cooldownMs: 0 });
    const header = (kid: string) => ({ alg: 'RS256', kid });
    await rotating(header('k1'), { payload: '', signature: '' });
    await issuer.addKey('RS256', 'k2');
    await rotating(header('k2'), { payload: '', signature: '' }); // unknown: fetched again (no cooldown)
    expect(issuer.jwksFetches).toBe(2);

    const ageing = createRemoteKeySet(new URL(issuer.jwksUrl), read, { cooldownMs: 3_600_000, maxAgeMs: 0 });
    await ageing(header('k1'), { payload: '', signature: '' });
    await ageing(header('k1'), { payload: '', signature: '' });
    expect(issuer.jwksFetches).toBe(4); // every use: the keys are always older than 0 ms
  });

  it.each([
    ['answers 500', 500, '{"error":"down"}'],
    ['answers a redirect (not followed)', 302, ''],
    ['answers something that is not JSON', 200, '<html>oops</html>'],
    ['answers JSON that is not a key set', 200, '{"keys":"none"}'],
    ['answers more than 1 MiB', 200, JSON.stringify({ keys: [], padding: 'x'.repeat(1024 * 1024) })],
  ])('fails, without a verdict on the token, when the JWKS endpoint %s', async (_what, status, body) => {
    const issuer = await startTestIssuer();
    await issuer.addKey('RS256', 'k1');
    const server = createServer((_req, res) => res.writeHead(status, status === 302 ? { Location: issuer.jwksUrl } : { 'Content-Type': 'application/json' }).end(body));
    const origin = await listenOnLoopback(server);
    onTestFinished(() => closeNow(server));
    const verify = verifierFor(issuer.issuer, `${origin}/jwks.json`);
    await expect(verify(await issuer.sign('k1', claims))).rejects.toBeInstanceOf(KeySourceError);
  });
});
