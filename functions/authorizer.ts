// The `$connect` Lambda REQUEST authorizer: takes the token (`?token=`, since browsers cannot set
// headers on a WebSocket, or `Authorization: Bearer`), has it checked by the configured mode, and
// answers API Gateway with an IAM policy on the `$connect` method ARN. API Gateway turns the answer
// into the handshake's status: an `Unauthorized` error → 401, a Deny → 403, any other failure → 500;
// on Allow, `context` reaches every route of the connection as `requestContext.authorizer`.
// The token itself is never logged: only the verdict, its reason and, when allowed, the `sub`.
import { sameSecret, tokenOf } from './connect-auth.ts';
import type { Identity, Verification } from './jwt-verifier.ts';
import type { Logger } from './log.ts';

/** What API Gateway sends a WebSocket REQUEST authorizer (the fields read here). */
export interface AuthorizerEvent {
  type: 'REQUEST';
  methodArn: string;
  headers?: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined> | null;
  requestContext?: { connectionId?: string; routeKey?: string };
}

/** The IAM policy and context API Gateway expects back. */
export interface AuthorizerResult {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: [{ Action: 'execute-api:Invoke'; Effect: 'Allow' | 'Deny'; Resource: string }];
  };
  /** String values only here; API Gateway would stringify numbers and booleans anyway. */
  context?: Record<string, string>;
}

/** Checks one token: a verdict, or a throw when the check itself could not be made (→ 500). */
export type TokenCheck = (token: string) => Promise<Verification>;

/**
 * Where API Gateway looks before calling the authorizer (the stack's and `npm start`'s identity source):
 * without `?token=` it answers 401 itself. The query string, because browsers cannot set headers on a
 * WebSocket handshake; API Gateway requires every listed source, so the header cannot be an alternative.
 */
export const CONNECT_IDENTITY_SOURCE = ['route.request.querystring.token'] as const;

/** The error message API Gateway answers with 401 (any other error is a 500). */
export const UNAUTHORIZED = 'Unauthorized';

export function createAuthorizer(check: TokenCheck, log: Logger): (event: AuthorizerEvent) => Promise<AuthorizerResult> {
  return async (event) => {
    const connectionId = event.requestContext?.connectionId;
    const token = tokenOf(event);
    if (!token) {
      log.info('connect refused', { connectionId, reason: 'NO_TOKEN' });
      throw new Error(UNAUTHORIZED);
    }
    const verdict = await check(token);
    if (!verdict.ok) {
      log.info('connect refused', { connectionId, reason: verdict.reason });
      return policy('denied', 'Deny', event.methodArn);
    }
    log.info('connect allowed', { connectionId, sub: verdict.identity.sub });
    return { ...policy(verdict.identity.sub, 'Allow', event.methodArn), context: { ...verdict.identity } };
  };
}

function policy(principalId: string, effect: 'Allow' | 'Deny', resource: string): AuthorizerResult {
  return { principalId, policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] } };
}

/** Everyone who has the shared token is the same caller: `sub` and `name` say so. */
export const SHARED_TOKEN_IDENTITY: Identity = { sub: 'shared-token', name: '' };

/**
 * The sign-in modes whose identities name each user (a JWT's name claim; `cognito` is `jwt` against the
 * stack's own pool): NICKNAME_FROM_CLAIM means something only under these. No sign-in, the shared token
 * and the legacy `$connect` check name nobody, so the stack and `npm start` refuse it with them.
 */
export const NAMING_SIGN_IN_MODES: readonly string[] = ['jwt', 'cognito'];

/**
 * The shared-token check. `readToken` is asked once and its answer kept for `cacheMs` (a rotated secret
 * is picked up within that); a failed read is not kept, so the next handshake asks again.
 */
export function sharedTokenCheck(readToken: () => Promise<string>, cacheMs: number, clock: () => number = Date.now): TokenCheck {
  let cached: { token: Promise<string>; until: number } | undefined;
  const current = (): Promise<string> => {
    if (!cached || clock() >= cached.until) {
      const token = readToken().then((value) => {
        if (!value) throw new Error('the shared token is empty');
        return value;
      });
      const entry = { token, until: clock() + cacheMs };
      token.catch(() => {
        if (cached === entry) cached = undefined;
      });
      cached = entry;
    }
    return cached.token;
  };
  return async (given) => (sameSecret(given, await current()) ? { ok: true, identity: SHARED_TOKEN_IDENTITY } : { ok: false, reason: 'WRONG_TOKEN' });
}
