// Turns a route target into something invocable: functions as they are; `{ module, export }` targets
// imported on first use (as a Lambda cold start would), or through HotModule when hot reload is on.
import { existsSync } from 'node:fs';
import { basename, extname, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HotModule } from './hot-reload.ts';
import type { InvocableHandler } from './invoke.ts';
import type { RouteTarget } from './types.ts';

export interface HandlerSource {
  /** Used as the Lambda function name in the context and the log. */
  functionName: string;
  load(): Promise<InvocableHandler>;
}

export function handlerSource(routeKey: string, target: RouteTarget, hotReload: boolean): HandlerSource {
  if (typeof target === 'function') {
    const handler = target as InvocableHandler;
    return { functionName: target.name || `local-${routeKey.replace(/^\$/, '')}`, load: () => Promise.resolve(handler) };
  }
  const path = resolvePath(target.module);
  const exportName = target.export ?? 'handler';
  // Fail at start-up on a wrong path rather than on the first event.
  if (!existsSync(path)) throw new Error(`local gateway: route ${routeKey}: module not found: ${path}`);
  const pick = (namespace: Record<string, unknown>): InvocableHandler => {
    const handler = namespace[exportName];
    if (typeof handler !== 'function') throw new Error(`local gateway: ${path} has no function export "${exportName}"`);
    return handler as InvocableHandler;
  };
  const functionName = basename(path, extname(path));
  if (hotReload) {
    const hot = new HotModule(path);
    return { functionName, load: async () => pick(await hot.load()) };
  }
  let imported: Promise<Record<string, unknown>> | undefined;
  return {
    functionName,
    load: async () => {
      imported ??= import(pathToFileURL(path).href) as Promise<Record<string, unknown>>;
      return pick(await imported);
    },
  };
}
