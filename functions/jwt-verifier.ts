// Checks an OIDC JWT (an identity provider's ID token) against the issuer's published keys: the JOSE
// work is `jose`'s; what is ours is the policy. Only RS256 and ES256, so neither `alg: none` nor an
// HS256 token "signed" with a public key can pass; issuer and audience exactly; `exp` and `nbf` with
// a small skew; and a bounded lifetime (`exp - iat`), so a token issued for a year is refused.
// The keys are fetched on first use and again when a token names an unknown `kid` (rotation), at most
// once per cooldown, so a stream of made-up `kid`s cannot make this function hammer the issuer
// (remote-jwks.ts; the documents come over keep-alive-http.ts, not fetch).
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { JWT_CLOCK_TOLERANCE_SECONDS } from './connect-auth.ts';
import { jsonFields } from './json-values.ts';
import { createJsonReader, createRemoteKeySet, type JsonReader } from './remote-jwks.ts';

/** Who a valid token says the caller is: what the authorizer passes on to every route. */
export interface Identity {
  sub: string;
  /** The display name (the configured claim, else `sub`). */
  name: string;
}

export type Verification = { ok: true; identity: Identity } | { ok: false; reason: string };

export interface JwtVerifierConfig {
  issuer: string;
  audience: string;
  /** Default: the `jwks_uri` of `{issuer}/.well-known/openid-configuration`. */
  jwksUrl?: string;
  /** The claim that becomes `name`. */
  nameClaim: string;
  maxLifetimeSeconds: number;
  /** Shortest time between two fetches of the keys (JWKS_COOLDOWN_SECONDS). */
  jwksCooldownMs: number;
}

export const ALGORITHMS = ['RS256', 'ES256'];
const FETCH_TIMEOUT_MS = 5_000;
/** Claims longer than this are not passed on (the authorizer's result is limited to 8 KB). */
const MAX_CLAIM_LENGTH = 256;

/** The keys or the discovery document could not be had: the authorizer fails (500), it does not deny. */
export class KeySourceError extends Error {
  override name = 'KeySourceError';
}

export function createJwtVerifier(config: JwtVerifierConfig): (token: string) => Promise<Verification> {
  const { issuer, audience, nameClaim, maxLifetimeSeconds } = config;
  if (!issuer || !audience) throw new Error('jwt sign-in: the issuer and the audience are both required');
  if (!Number.isInteger(maxLifetimeSeconds) || maxLifetimeSeconds <= 0) {
    throw new Error(`jwt sign-in: the maximum lifetime must be a positive whole number of seconds, not ${maxLifetimeSeconds}`);
  }
  if (config.jwksUrl !== undefined) keyUrl(config.jwksUrl, 'the JWKS URL');
  const read = createJsonReader(FETCH_TIMEOUT_MS);
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const keySet = () => {
    keys ??= (async () => {
      const url = config.jwksUrl === undefined ? await discoverJwksUrl(issuer, read) : keyUrl(config.jwksUrl, 'the JWKS URL');
      return createRemoteKeySet(url, read, { cooldownMs: config.jwksCooldownMs });
    })();
    // A failed discovery is tried again by the next token, not cached for the container's life.
    keys.catch(() => (keys = undefined));
    return keys;
  };

  return async (token) => {
    const jwks = await keySet();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        algorithms: ALGORITHMS,
        issuer,
        audience,
        requiredClaims: ['exp', 'iat', 'sub'],
        maxTokenAge: maxLifetimeSeconds,
        clockTolerance: JWT_CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (error) {
      // The issuer could not be asked (a network, timeout or HTTP failure of the read is no JOSEError), or
      // answered no key set: not the caller's fault, and not a verdict on the token.
      if (error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
        throw new KeySourceError(`the issuer's keys could not be fetched: ${String(error)}`);
      }
      // The code, and for a claim check the claim (`iss`, `aud`, `nbf`…): enough to tell a misconfiguration from an attack.
      return { ok: false, reason: error instanceof errors.JWTClaimValidationFailed ? `${error.code} (${error.claim})` : error.code };
    }
    const { exp, iat, sub } = payload;
    // `maxTokenAge` bounds the age of `iat`; this bounds what the issuer granted, however fresh.
    if (exp === undefined || iat === undefined || exp - iat > maxLifetimeSeconds) return { ok: false, reason: 'LIFETIME_TOO_LONG' };
    if (typeof sub !== 'string' || sub === '' || sub.length > MAX_CLAIM_LENGTH) return { ok: false, reason: 'BAD_SUB' };
    const claimed = Object.hasOwn(payload, nameClaim) ? payload[nameClaim] : undefined;
    const name = typeof claimed === 'string' && claimed !== '' && claimed.length <= MAX_CLAIM_LENGTH ? claimed : sub;
    return { ok: true, identity: { sub, name } };
  };
}

/** OIDC discovery: `jwks_uri` from the issuer's configuration, which must name the same issuer. */
async function discoverJwksUrl(issuer: string, read: JsonReader): Promise<URL> {
  const where = new URL(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
  keyUrl(where.href, 'the issuer');
  let document: unknown;
  try {
    document = await read(where);
  } catch (error) {
    throw new KeySourceError(`the OIDC discovery document ${where.href} could not be read: ${String(error)}`);
  }
  const fields = jsonFields(document);
  if (fields.get('issuer') !== issuer) throw new KeySourceError(`${where.href} names another issuer than ${issuer}`);
  const jwksUri = fields.get('jwks_uri');
  if (typeof jwksUri !== 'string') throw new KeySourceError(`${where.href} has no jwks_uri`);
  return keyUrl(jwksUri, 'the jwks_uri');
}

/** Keys come over https only; plain http only from this machine (tests, a local issuer). */
function keyUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new KeySourceError(`${what} ${JSON.stringify(text)} is not a URL`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new KeySourceError(`${what} ${url.href} must be https (http only on loopback)`);
  }
  return url;
}
