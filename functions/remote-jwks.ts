// An issuer's JSON documents (its OIDC discovery document, its JWKS) read over keep-alive-http.ts, and a
// key set that keeps the JWKS as jose's createRemoteJWKSet does: fetched on first use and again once it is
// older than `maxAgeMs`, or when a token names a `kid` it lacks and the last fetch is at least `cooldownMs`
// old; one fetch at a time. jose checks the keys and picks one (createLocalJWKSet). Why not
// createRemoteJWKSet itself: it builds a `Headers` and calls `fetch`, and the first of those in a process
// loads node's fetch (undici), ≈30 ms of the authorizer's cold start (`npm run bench`, "Lambda bundles").
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { isJsonObject, parseJson } from './json-values.ts';
import { createKeepAliveHttp, type KeepAliveHttp } from './keep-alive-http.ts';

export interface RemoteKeySetOptions {
  /** Shortest time between two fetches for an unknown `kid`. */
  cooldownMs: number;
  /** Fetched again on the next use once this old (jose's default, 10 min). */
  maxAgeMs?: number;
}

const DEFAULT_MAX_AGE_MS = 600_000;
/** A discovery document or a JWKS is a few KB; an issuer's answer beyond this is refused. */
const MAX_DOCUMENT_BYTES = 1024 * 1024;

/** GETs `url` and parses its JSON; throws on anything but a 200 with JSON (redirects are not followed). */
export type JsonReader = (url: URL) => Promise<unknown>;

/** One keep-alive pool per origin (an issuer and its JWKS host), made on first use. */
export function createJsonReader(timeoutMs: number): JsonReader {
  const pools = new Map<string, KeepAliveHttp>();
  return async (url) => {
    let http = pools.get(url.origin);
    if (!http) pools.set(url.origin, (http = createKeepAliveHttp(url.origin, { maxSockets: 2, timeoutMs, maxAnswerBytes: MAX_DOCUMENT_BYTES })));
    const answer = await http.request({ method: 'GET', path: `${url.pathname}${url.search}`, headers: ['host', url.host, 'accept', 'application/json'] });
    if (answer.status !== 200) throw new Error(`${url.href} answered HTTP ${answer.status}`);
    // JSON.parse never gives undefined: parseJson's undefined is text that is not JSON.
    const parsed = parseJson(answer.body.toString('utf8'));
    if (parsed === undefined) throw new Error(`${url.href} did not answer JSON`);
    return parsed;
  };
}

export function createRemoteKeySet(url: URL, read: JsonReader, options: RemoteKeySetOptions): JWTVerifyGetKey {
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  let local: JWTVerifyGetKey | undefined;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<JWTVerifyGetKey> | undefined;

  const reload = (): Promise<JWTVerifyGetKey> => {
    pending ??= read(url)
      .then((jwks) => {
        if (!isKeySet(jwks)) throw new errors.JWKSInvalid('JSON Web Key Set malformed');
        local = createLocalJWKSet(jwks);
        fetchedAt = Date.now();
        return local;
      })
      .finally(() => (pending = undefined));
    return pending;
  };

  return async (header, token) => {
    const keys = local && Date.now() - fetchedAt < maxAgeMs ? local : await reload();
    try {
      return await keys(header, token);
    } catch (error) {
      // A kid it lacks: the keys may have rotated. Asked again at most once per cooldown.
      if (!(error instanceof errors.JWKSNoMatchingKey) || Date.now() - fetchedAt < options.cooldownMs) throw error;
      return (await reload())(header, token);
    }
  };
}

/** `{ keys: [ {…}, … ] }`: the shape createLocalJWKSet takes (it checks each key itself). */
function isKeySet(value: unknown): value is JSONWebKeySet {
  return isJsonObject(value) && Array.isArray(value.keys) && value.keys.every(isJsonObject);
}
