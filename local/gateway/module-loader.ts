// Turns a route target into something invocable: functions as they are; `{ module, export }` targets
// imported on first use (as a Lambda cold start would). Every module target is imported as a generation
// of its own (hot-reload.ts), so two routes naming the same file get separate module instances, as two
// Lambda functions would; with hot reload on, a changed file is imported again.
import { existsSync } from 'node:fs';
import { basename, extname, resolve as resolvePath } from 'node:path';
import { functionEnvironment, type FunctionEnvironment } from './function-env.ts';
import { HotModule } from './hot-reload.ts';
import { FunctionRuntime, type InvocableHandler } from './invoke.ts';
import type { AuthorizerHandler, AuthorizerTarget, LambdaHandler, RouteTarget } from './types.ts';

export interface HandlerSource {
  /** Used as the Lambda function name in the context and the log. */
  functionName: string;
  /** The function's own environment variables, if it was given any. */
  environment: FunctionEnvironment | undefined;
  load(): Promise<FunctionRuntime>;
}

export function handlerSource(routeKey: string, target: RouteTarget | AuthorizerTarget, hotReload: boolean): HandlerSource {
  if (typeof target === 'function') return functionSource(routeKey, target, undefined);
  const environment = target.environment === undefined ? undefined : functionEnvironment(target.environment);
  if ('handler' in target) return functionSource(routeKey, target.handler, environment);

  const path = resolvePath(target.module);
  const exportName = target.export ?? 'handler';
  // Fail at start-up on a wrong path rather than on the first event.
  if (!existsSync(path)) throw new Error(`local gateway: route ${routeKey}: module not found: ${path}`);
  // One runtime per module instance: a re-import is a new Lambda instance, with a fresh runtime.
  const runtimes = new WeakMap<Record<string, unknown>, FunctionRuntime>();
  const runtimeOf = (namespace: Record<string, unknown>): FunctionRuntime => {
    const handler = namespace[exportName];
    if (typeof handler !== 'function') throw new Error(`local gateway: ${path} has no function export "${exportName}"`);
    let runtime = runtimes.get(namespace);
    if (!runtime) runtimes.set(namespace, (runtime = new FunctionRuntime(handler as InvocableHandler)));
    return runtime;
  };
  const module = new HotModule(path, hotReload);
  return { functionName: basename(path, extname(path)), environment, load: async () => runtimeOf(await module.load()) };
}

function functionSource(routeKey: string, handler: LambdaHandler | AuthorizerHandler, environment: FunctionEnvironment | undefined): HandlerSource {
  const runtime = new FunctionRuntime(handler as InvocableHandler);
  return { functionName: handler.name || `local-${routeKey.replace(/^\$/, '')}`, environment, load: () => Promise.resolve(runtime) };
}
