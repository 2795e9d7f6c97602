// Optional `$connect` authorisation: a shared secret, or an HS256 JWT signed with a shared key. Off
// unless configured. Browsers cannot set headers on a WebSocket, so the token may come in the query
// string (`?token=`) as well as in `Authorization: Bearer`. Runs before anything is written.
import { createHash, timingSafeEqual } from 'node:crypto';
import { DEFAULT_SETTINGS } from './settings.ts';
import type { WebSocketEvent } from './websocket-event.ts';

export interface ConnectAuthConfig {
  /** Clients must present exactly this token. */
  sharedSecret?: string;
  /** Clients must present a JWT (HS256) signed with this key, unexpired; `aud`/`iss` checked when set. */
  jwtSecret?: string;
  jwtAudience?: string;
  jwtIssuer?: string;
  /** Longest lifetime (`exp - iat`, seconds) a JWT may be issued with; default DEFAULT_JWT_MAX_LIFETIME_SECONDS. */
  jwtMaxLifetimeSeconds?: number;
}

/** A leaked token is worth at most this, whatever `exp` its issuer wrote (the setting's default). */
export const DEFAULT_JWT_MAX_LIFETIME_SECONDS = DEFAULT_SETTINGS.connectJwtMaxLifetimeSeconds;
/** Clock skew allowed between the issuer and this function, on `exp` and `iat`. */
export const JWT_CLOCK_TOLERANCE_SECONDS = 30;

export type ConnectAuthResult = { ok: true } | { ok: false; statusCode: 401 | 403; reason: string };

export type ConnectAuth = (event: WebSocketEvent) => Promise<ConnectAuthResult>;

/** The check for this configuration, or null when none is configured (everyone may connect). */
export function createConnectAuth(config: ConnectAuthConfig): ConnectAuth | null {
  const { sharedSecret, jwtSecret } = config;
  if (!sharedSecret && !jwtSecret) return null;
  const maxLifetime = config.jwtMaxLifetimeSeconds ?? DEFAULT_JWT_MAX_LIFETIME_SECONDS;
  if (!Number.isInteger(maxLifetime) || maxLifetime <= 0) {
    throw new Error(`connect auth: the JWT maximum lifetime must be a positive whole number of seconds, not ${maxLifetime}`);
  }
  const key = jwtSecret ? new TextEncoder().encode(jwtSecret) : null;
  return async (event) => {
    const token = tokenOf(event);
    if (!token) return { ok: false, statusCode: 401, reason: 'a token is required (?token= or Authorization: Bearer)' };
    if (sharedSecret && sameSecret(token, sharedSecret)) return { ok: true };
    if (key) {
      // jose on first use, outside the try (a failed import is no verdict on the token): only this mode
      // needs it, and its import is ≈130 ms of `npm start` under tsx.
      const { jwtVerify } = await import('jose/jwt/verify');
      try {
        // The lifetime is bounded by the issued one, `exp - iat`, so both claims are required: without
        // `iat` nothing tells when a far-future `exp` was written. `maxTokenAge` adds that `iat` is not
        // in the future and not older than the bound (which `exp` already implies, give or take skew).
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          requiredClaims: ['exp', 'iat'],
          maxTokenAge: maxLifetime,
          clockTolerance: JWT_CLOCK_TOLERANCE_SECONDS,
          ...(config.jwtAudience ? { audience: config.jwtAudience } : {}),
          ...(config.jwtIssuer ? { issuer: config.jwtIssuer } : {}),
        });
        const { exp, iat } = payload;
        if (exp !== undefined && iat !== undefined && exp - iat <= maxLifetime) return { ok: true };
      } catch {
        // fall through: an invalid, expired or foreign token
      }
    }
    return { ok: false, statusCode: 403, reason: 'the token is not valid' };
  };
}

/** The token of a `$connect` (or its authorizer's event): `?token=`, else `Authorization: Bearer`. */
export function tokenOf(event: Pick<WebSocketEvent, 'headers' | 'queryStringParameters'>): string | undefined {
  // Own properties only: these maps' names are the client's, and nothing may come from a prototype.
  const query = event.queryStringParameters;
  const fromQuery = query && Object.hasOwn(query, 'token') ? query.token : undefined;
  if (typeof fromQuery === 'string' && fromQuery) return fromQuery;
  const header = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  const bearer = header && /^Bearer\s+(.+)$/iu.exec(header.trim());
  return bearer ? bearer[1] : undefined;
}

/** Constant-time comparison; hashing first makes the lengths equal. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
