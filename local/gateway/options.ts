// Defaults (AWS's values) and validation of LocalGatewayOptions, done once at start-up so mistakes in
// the route table or the selection expression fail loudly instead of on the first message.
import { resolve } from 'node:path';
import { randomApiId } from './ids.ts';
import { resolveLogSink, type LogSink } from './event-log.ts';
import { handlerSource, type HandlerSource } from './module-loader.ts';
import { compileRouteSelectionExpression, type RouteKeyEvaluator } from './route-selection.ts';
import type { GatewayFaults, GatewayLimits, LocalGatewayOptions } from './types.ts';

export const AWS_LIMITS: GatewayLimits = {
  frameBytes: 32 * 1024,
  messageBytes: 128 * 1024,
  idleTimeoutMs: 10 * 60_000,
  maxDurationMs: 2 * 60 * 60_000,
  handlerTimeoutMs: 29_000,
  clientBufferBytes: 1024 * 1024,
};

const PREDEFINED_ROUTES = new Set(['$connect', '$disconnect', '$default']);

export interface ResolvedOptions {
  port: number;
  host: string;
  stage: string;
  apiId: string;
  evaluateRouteKey: RouteKeyEvaluator;
  handlers: Map<string, HandlerSource>;
  routeResponses: ReadonlySet<string>;
  limits: GatewayLimits;
  faults: GatewayFaults | undefined;
  log: LogSink | undefined;
  /** Absolute path, or undefined: no static files. */
  staticDir: string | undefined;
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
    handlers.set(routeKey, handlerSource(routeKey, target, options.hotReload ?? false));
  }
  for (const routeKey of options.routeResponses ?? []) {
    if (!handlers.has(routeKey)) throw new Error(`local gateway: route response for unknown route ${routeKey}`);
  }

  const limits = { ...AWS_LIMITS, ...definedOnly(options.limits ?? {}) };
  for (const [name, value] of Object.entries(limits)) {
    if (!(value > 0)) throw new Error(`local gateway: limits.${name} must be a positive number`);
  }

  return {
    port: options.port ?? 3001,
    host: options.host ?? '127.0.0.1',
    stage,
    apiId: options.apiId ?? randomApiId(),
    evaluateRouteKey: compileRouteSelectionExpression(options.routeSelectionExpression ?? '$request.body.action'),
    handlers,
    routeResponses: new Set(options.routeResponses ?? []),
    limits,
    faults: options.faults,
    log: resolveLogSink(options.log),
    staticDir: options.staticDir === undefined ? undefined : resolve(options.staticDir),
  };
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
