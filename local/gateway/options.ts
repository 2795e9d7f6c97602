// Defaults (AWS's values) and validation of LocalGatewayOptions, done once at start-up so mistakes in
// the route table or the selection expression fail loudly instead of on the first message.
import { join, resolve } from 'node:path';
import { resolveAuthorizer, type ResolvedAuthorizer } from './authorizer.ts';
import { randomApiId } from './ids.ts';
import { resolveLogSink, type LogSink } from './event-log.ts';
import { handlerSource, type HandlerSource } from './module-loader.ts';
import { compileRouteSelectionExpression, type RouteKeyEvaluator } from './route-selection.ts';
import type { AdmissionLimits, GatewayFaults, GatewayLimits, LocalGatewayOptions, ThrottleSettings } from './types.ts';

export const AWS_LIMITS: GatewayLimits = {
  frameBytes: 32 * 1024,
  messageBytes: 128 * 1024,
  idleTimeoutMs: 10 * 60_000,
  maxDurationMs: 2 * 60 * 60_000,
  handlerTimeoutMs: 29_000,
  clientBufferBytes: 1024 * 1024,
};

/**
 * Local only (AWS gives every invocation its own environment): small enough that a flood from a few
 * connections leaves room for everyone else, large enough that a slow frame does not hold up the next.
 */
export const DEFAULT_ADMISSION: AdmissionLimits = { perConnection: 2, total: 8, queuedPerConnection: 256 };

const PREDEFINED_ROUTES = new Set(['$connect', '$disconnect', '$default']);

export interface ResolvedOptions {
  port: number;
  host: string;
  stage: string;
  apiId: string;
  evaluateRouteKey: RouteKeyEvaluator;
  handlers: Map<string, HandlerSource>;
  authorizer: ResolvedAuthorizer | undefined;
  routeResponses: ReadonlySet<string>;
  limits: GatewayLimits;
  admission: AdmissionLimits;
  throttle: ThrottleSettings | undefined;
  faults: GatewayFaults | undefined;
  log: LogSink | undefined;
  /** Absolute path, or undefined: no static files. */
  staticDir: string | undefined;
  /** Absolute path of the TLS state folder, or undefined: plain ws:// and http:// only. */
  tlsDir: string | undefined;
}

export function resolveOptions(options: LocalGatewayOptions): ResolvedOptions {
  const stage = options.stage ?? 'local';
  if (!/^[A-Za-z0-9_-]+$/.test(stage)) throw new Error(`local gateway: invalid stage name ${JSON.stringify(stage)}`);

  const handlers = new Map<string, HandlerSource>();
  for (const [routeKey, target] of Object.entries(options.routes)) {
    if (routeKey.startsWith('$') && !PREDEFINED_ROUTES.has(routeKey)) {
      throw new Error(`local gateway: route key ${routeKey}: custom route keys must not start with '$'`);
    }
    if (!routeKey) throw new Error('local gateway: empty route key');
    if (typeof target !== 'function' && target.environment !== undefined) checkEnvironment(routeKey, target.environment);
    handlers.set(routeKey, handlerSource(routeKey, target, options.hotReload ?? false));
  }
  // On AWS an authorizer belongs to the $connect route: without that route there is nothing to attach it to.
  if (options.authorizer !== undefined && !handlers.has('$connect')) throw new Error('local gateway: an authorizer needs a $connect route');
  for (const routeKey of options.routeResponses ?? []) {
    if (!handlers.has(routeKey)) throw new Error(`local gateway: route response for unknown route ${routeKey}`);
  }

  const limits = { ...AWS_LIMITS, ...definedOnly(options.limits ?? {}) };
  for (const [name, value] of Object.entries(limits)) {
    if (!(value > 0)) throw new Error(`local gateway: limits.${name} must be a positive number`);
  }

  const admission = { ...DEFAULT_ADMISSION, ...definedOnly(options.admission ?? {}) };
  for (const [name, value] of Object.entries(admission)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`local gateway: admission.${name} must be a positive integer`);
  }

  return {
    port: options.port ?? 3001,
    host: options.host ?? '127.0.0.1',
    stage,
    apiId: options.apiId ?? randomApiId(),
    evaluateRouteKey: compileRouteSelectionExpression(options.routeSelectionExpression ?? '$request.body.action'),
    handlers,
    authorizer: options.authorizer === undefined ? undefined : resolveAuthorizer(options.authorizer, options.hotReload ?? false),
    routeResponses: new Set(options.routeResponses ?? []),
    limits,
    admission,
    throttle: checkThrottle(options.throttle),
    faults: options.faults,
    log: resolveLogSink(options.log),
    staticDir: options.staticDir === undefined ? undefined : resolve(options.staticDir),
    tlsDir: resolveTlsDir(options.tls),
  };
}

// Lambda's own rules for Environment.Variables, so a set that works here deploys too: keys start with a
// letter, are at least two characters of letters, digits and '_'; the runtime's reserved keys cannot be
// set; all keys and values together at most 4 KB.
const RESERVED_ENVIRONMENT_KEYS = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);
const ENVIRONMENT_BYTES = 4 * 1024;

function checkEnvironment(routeKey: string, environment: unknown): void {
  const where = `local gateway: route ${routeKey}: environment`;
  if (typeof environment !== 'object' || environment === null || Array.isArray(environment)) throw new Error(`${where} must be an object of strings`);
  let bytes = 0;
  for (const [key, value] of Object.entries(environment)) {
    if (!/^[a-zA-Z][a-zA-Z0-9_]+$/.test(key)) throw new Error(`${where}: invalid variable name ${JSON.stringify(key)} (letters, digits and _, starting with a letter, at least 2)`);
    if (RESERVED_ENVIRONMENT_KEYS.has(key)) throw new Error(`${where}: ${key} is reserved by the Lambda runtime`);
    if (typeof value !== 'string') throw new Error(`${where}: ${key} must be a string`);
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (bytes > ENVIRONMENT_BYTES) throw new Error(`${where}: ${bytes} bytes, more than Lambda's 4 KB`);
}

/** The ranges API Gateway accepts for a stage's default route throttling. */
function checkThrottle(throttle: LocalGatewayOptions['throttle']): ThrottleSettings | undefined {
  if (throttle === undefined) return undefined;
  if (typeof throttle !== 'object' || throttle === null) throw new Error('local gateway: throttle must be { burstLimit, rateLimit }');
  const { burstLimit, rateLimit } = throttle;
  if (!Number.isInteger(burstLimit) || burstLimit < 0) throw new Error('local gateway: throttle.burstLimit must be an integer ≥ 0');
  if (typeof rateLimit !== 'number' || !Number.isFinite(rateLimit) || rateLimit < 0) throw new Error('local gateway: throttle.rateLimit must be a number ≥ 0 (per second)');
  return { burstLimit, rateLimit };
}

function resolveTlsDir(option: LocalGatewayOptions['tls']): string | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return resolve('.wschat', 'tls');
  if (typeof option !== 'object' || option === null) throw new Error('local gateway: tls must be true, false or { dir }');
  if (option.dir !== undefined && (typeof option.dir !== 'string' || option.dir === '')) throw new Error('local gateway: tls.dir must be a non-empty path');
  return resolve(option.dir ?? join('.wschat', 'tls'));
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
