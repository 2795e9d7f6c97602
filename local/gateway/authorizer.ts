// A Lambda REQUEST authorizer on `$connect`, as API Gateway runs one for a WebSocket API:
//   - every identity source (`route.request.header.X`, `route.request.querystring.X`, `context.X`) must
//     be present and non-empty, or the handshake gets 401 without the function being called;
//   - the function gets a REQUEST event (`type`, `methodArn` …/{stage}/$connect, the handshake's
//     headers and query string, `stageVariables`, `requestContext`);
//   - an error whose message is exactly `Unauthorized` → 401; a policy that does not allow
//     `execute-api:Invoke` on the method ARN (or denies it) → 403; any other failure, a malformed or a
//     larger-than-8-KB answer → 500;
//   - on Allow, `principalId` and the `context` (values as strings) become `requestContext.authorizer`
//     of `$connect` and of every later event of the connection.
// AWS caches no WebSocket authorizer result (the TTL is an HTTP API feature), so by default neither does
// this; `resultTtlSeconds` caches per identity source values, for other gateways' habits.
import { STATUS_CODES } from 'node:http';
import type { InvocationOutcome } from './invoke.ts';
import { handlerSource, type HandlerSource } from './module-loader.ts';
import type { GatewayAuthorizerEvent, GatewayAuthorizerOptions, GatewayEvent } from './types.ts';

export type AuthorizerVerdict =
  | { allowed: true; context: Record<string, string> }
  | { allowed: false; status: 401 | 403 | 500; body: string; detail: string };

export interface ResolvedAuthorizer {
  source: HandlerSource;
  /** Checks one handshake; `invoke` runs the function (the gateway's own invocation, tracked and timed out). */
  authorize(event: GatewayEvent, methodArn: string, invoke: (source: HandlerSource, event: GatewayAuthorizerEvent) => Promise<InvocationOutcome>): Promise<AuthorizerVerdict>;
}

/** API Gateway's limit on an authorizer's answer. */
const MAX_RESULT_BYTES = 8 * 1024;
/** Cached results kept at most (oldest dropped first), so many distinct tokens cannot grow memory without bound. */
const MAX_CACHED = 10_000;
const IDENTITY_SOURCE = /^(route\.request\.(header|querystring)|context)\.[A-Za-z0-9._-]+$/;

const refusal = (status: 401 | 403 | 500, detail: string): AuthorizerVerdict => {
  const message = status === 500 ? 'Internal server error' : (STATUS_CODES[status] ?? 'Forbidden');
  return { allowed: false, status, body: JSON.stringify({ message }), detail };
};

export function resolveAuthorizer(options: GatewayAuthorizerOptions, hotReload: boolean): ResolvedAuthorizer {
  const identitySource = options.identitySource ?? ['route.request.header.Authorization']; // CDK's default
  if (!Array.isArray(identitySource) || identitySource.length === 0) throw new Error('local gateway: authorizer.identitySource must list at least one source');
  for (const source of identitySource) {
    if (typeof source !== 'string' || !IDENTITY_SOURCE.test(source)) {
      throw new Error(`local gateway: authorizer identity source ${JSON.stringify(source)}: expected route.request.header.NAME, route.request.querystring.NAME or context.NAME`);
    }
  }
  const ttlMs = (options.resultTtlSeconds ?? 0) * 1000;
  if (!Number.isInteger(options.resultTtlSeconds ?? 0) || ttlMs < 0 || ttlMs > 3_600_000) throw new Error('local gateway: authorizer.resultTtlSeconds must be a whole number from 0 to 3600');
  const source = handlerSource('authorizer', options.handler, hotReload);
  const cache = new Map<string, { verdict: AuthorizerVerdict; until: number }>();

  return {
    source,
    async authorize(event, methodArn, invoke) {
      const values = identitySource.map((name) => identityValue(event, name));
      if (values.some((value) => value === undefined || value === '')) return refusal(401, 'identity source missing');
      const key = JSON.stringify(values);
      const hit = ttlMs > 0 ? cache.get(key) : undefined;
      if (hit && hit.until > Date.now()) return hit.verdict;
      const outcome = await invoke(source, authorizerEvent(event, methodArn));
      const verdict = verdictOf(outcome, methodArn);
      // Only a policy is cached: a failure is tried again, as API Gateway does.
      if (ttlMs > 0 && (verdict.allowed || verdict.status === 403)) {
        cache.delete(key);
        cache.set(key, { verdict, until: Date.now() + ttlMs });
        if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value ?? key);
      }
      return verdict;
    },
  };
}

function identityValue(event: GatewayEvent, source: string): string | undefined {
  const [, where, name = ''] = /^(route\.request\.header|route\.request\.querystring|context)\.(.+)$/.exec(source) ?? [];
  if (where === 'route.request.header') {
    const lower = name.toLowerCase(); // header names are case-insensitive, query names are not
    for (const [header, value] of Object.entries(event.headers ?? {})) if (header.toLowerCase() === lower) return value;
    return undefined;
  }
  if (where === 'route.request.querystring') return event.queryStringParameters && Object.hasOwn(event.queryStringParameters, name) ? event.queryStringParameters[name] : undefined;
  const field: unknown = Object.hasOwn(event.requestContext, name) ? Object.entries(event.requestContext).find(([key]) => key === name)?.[1] : undefined;
  return typeof field === 'string' || typeof field === 'number' ? String(field) : undefined;
}

function authorizerEvent(event: GatewayEvent, methodArn: string): GatewayAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn,
    headers: event.headers ?? {},
    multiValueHeaders: event.multiValueHeaders ?? {},
    queryStringParameters: event.queryStringParameters ?? {},
    multiValueQueryStringParameters: event.multiValueQueryStringParameters ?? {},
    stageVariables: {},
    requestContext: event.requestContext,
  };
}

function verdictOf(outcome: InvocationOutcome, methodArn: string): AuthorizerVerdict {
  if (outcome.kind === 'timedOut') return refusal(500, 'authorizer timed out');
  if (outcome.kind === 'threw') {
    const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    return message === 'Unauthorized' ? refusal(401, 'authorizer: Unauthorized') : refusal(500, `authorizer failed: ${message}`);
  }
  const answer = outcome.value;
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(answer) ?? '');
  } catch {
    return refusal(500, 'authorizer answer is not JSON');
  }
  if (size > MAX_RESULT_BYTES) return refusal(500, `authorizer answer of ${size} bytes, more than 8 KB`);
  if (typeof answer !== 'object' || answer === null) return refusal(500, 'authorizer answer is not an object');
  const fields = new Map(Object.entries(answer));
  const principalId = fields.get('principalId');
  if (typeof principalId !== 'string') return refusal(500, 'authorizer answer has no principalId');
  const effect = evaluatePolicy(fields.get('policyDocument'), methodArn);
  if (effect === 'invalid') return refusal(500, 'authorizer answer has no valid policyDocument');
  if (effect !== 'Allow') return refusal(403, `policy: ${effect === 'Deny' ? 'explicit deny' : 'not allowed'}`);
  const context = contextOf(fields.get('context'));
  if (!context) return refusal(500, 'authorizer context must map names to strings, numbers or booleans');
  return { allowed: true, context: { ...context, principalId } };
}

/** `Deny` if any statement denies Invoke on the ARN, else `Allow` if one allows it, else `none`. */
function evaluatePolicy(document: unknown, methodArn: string): 'Allow' | 'Deny' | 'none' | 'invalid' {
  if (typeof document !== 'object' || document === null) return 'invalid';
  const statements = new Map(Object.entries(document)).get('Statement');
  const list: unknown[] = Array.isArray(statements) ? statements : statements === undefined ? [] : [statements];
  let allowed = false;
  for (const statement of list) {
    if (typeof statement !== 'object' || statement === null) return 'invalid';
    const fields = new Map(Object.entries(statement));
    const effect = fields.get('Effect');
    if (effect !== 'Allow' && effect !== 'Deny') return 'invalid';
    const covers = (value: unknown, matches: (pattern: string) => boolean) => (Array.isArray(value) ? value : [value]).some((item) => typeof item === 'string' && matches(item));
    if (!covers(fields.get('Action'), (action) => ['execute-api:Invoke', 'execute-api:*', '*'].includes(action))) continue;
    if (!covers(fields.get('Resource'), (resource) => wildcardMatch(resource, methodArn))) continue;
    if (effect === 'Deny') return 'Deny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'none';
}

/** IAM's resource wildcards: `*` any run of characters, `?` any one. */
function wildcardMatch(pattern: string, value: string): boolean {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 's').test(value);
}

function contextOf(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  const context: Record<string, string> = {};
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') return undefined;
    Object.defineProperty(context, name, { value: String(item), enumerable: true, writable: true, configurable: true });
  }
  return context;
}
