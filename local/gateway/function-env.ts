// Per-function environment variables for handlers that share one process. Each Lambda function has its
// own environment; here process.env is process-wide, so while any gateway has a route with an
// `environment`, process.env is replaced by a Proxy that answers from the environment of the function
// whose invocation is running (found through AsyncLocalStorage), falling through to the real
// environment for names the function does not set. What this isolates, precisely:
//   - reads, writes and deletes of process.env from the function's own JS code: at module load (the
//     import runs inside its first invocation), in the handler, and in whatever it starts from there
//     (promises, timers, sockets' callbacks) — AsyncLocalStorage follows them;
//   - a write inside a function stays in that function, as on Lambda (other functions and the gateway
//     do not see it);
// and what it cannot:
//   - native code and Node itself reading the environment at start-up (TZ, NODE_OPTIONS,
//     NODE_EXTRA_CA_CERTS, OpenSSL): they read the real environment;
//   - callbacks that lose the async context (rare: some native add-ons, a few pooled libraries): they see
//     the real environment;
//   - functions configured without `environment`: they read and write the real environment, as before.
// Worker threads (each has its own process.env) would isolate fully, but handlers given as functions
// (closures over test state) cannot move to a worker, and vitest's module runner does not run there.
import { AsyncLocalStorage } from 'node:async_hooks';

/** A function's own variables; `undefined` marks one the function deleted. */
export type FunctionEnvironment = Map<string, string | undefined>;

const running = new AsyncLocalStorage<FunctionEnvironment>();
let realEnv: NodeJS.ProcessEnv | undefined;
let overlay: NodeJS.ProcessEnv | undefined;
let users = 0;

/** A new environment for one function: `values` over the process's environment. */
export function functionEnvironment(values: Record<string, string>): FunctionEnvironment {
  return new Map(Object.entries(values));
}

/** Runs `run` (and everything it starts) with `environment` as process.env; undefined = the real one. */
export function withFunctionEnvironment<T>(environment: FunctionEnvironment | undefined, run: () => T): T {
  return environment ? running.run(environment, run) : running.exit(run);
}

/** Installs the Proxy (once for all gateways); the returned function uninstalls it after the last user. */
export function useFunctionEnvironments(): () => void {
  if (users++ === 0) {
    realEnv = process.env;
    overlay = new Proxy(realEnv, overlayHandler);
    process.env = overlay;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--users > 0 || !realEnv) return;
    // Only undo our own replacement: someone may have assigned process.env since.
    if (process.env === overlay) process.env = realEnv;
    realEnv = overlay = undefined;
  };
}

/** The running function's environment when `name` is a variable name (not a symbol) and one is running. */
function ownOf(name: string | symbol): { own: FunctionEnvironment; key: string } | undefined {
  const own = running.getStore();
  return own && typeof name === 'string' ? { own, key: name } : undefined;
}

const overlayHandler: ProxyHandler<NodeJS.ProcessEnv> = {
  get(target, name, receiver) {
    const found = ownOf(name);
    if (found?.own.has(found.key)) return found.own.get(found.key);
    return Reflect.get(target, name, receiver);
  },
  set(target, name, value, receiver) {
    const found = ownOf(name);
    if (!found) return Reflect.set(target, name, value, receiver);
    found.own.set(found.key, String(value)); // process.env stringifies what is assigned
    return true;
  },
  deleteProperty(target, name) {
    const found = ownOf(name);
    if (!found) return Reflect.deleteProperty(target, name);
    found.own.set(found.key, undefined);
    return true;
  },
  has(target, name) {
    const found = ownOf(name);
    if (found?.own.has(found.key)) return found.own.get(found.key) !== undefined;
    return Reflect.has(target, name);
  },
  ownKeys(target) {
    const own = running.getStore();
    const keys = Reflect.ownKeys(target);
    if (!own) return keys;
    const names = new Set(keys);
    for (const [name, value] of own) {
      if (value === undefined) names.delete(name);
      else names.add(name);
    }
    return [...names];
  },
  getOwnPropertyDescriptor(target, name) {
    const found = ownOf(name);
    if (!found?.own.has(found.key)) return Reflect.getOwnPropertyDescriptor(target, name);
    const value = found.own.get(found.key);
    return value === undefined ? undefined : { value, writable: true, enumerable: true, configurable: true };
  },
};
