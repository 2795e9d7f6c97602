// Runs one handler invocation the way the Lambda Node.js runtime settles it: by the returned promise or
// value, or — for (event, context, callback) handlers — by the callback; a throw or rejection is an
// error. The gateway stops waiting at the integration timeout, as API Gateway does; the handler itself
// keeps running (there is no process to freeze), and whatever it settles with later is ignored.
import { createLambdaContext } from './lambda-context.ts';
import type { GatewayAuthorizerEvent, GatewayEvent, HandlerResult, LambdaContextLike } from './types.ts';

export type LambdaCallback = (error?: unknown, result?: unknown) => void;
/** Any handler shape: LambdaHandler, or a callback-style function loaded from a module. */
export type InvocableHandler = (event: GatewayEvent | GatewayAuthorizerEvent, context: LambdaContextLike, callback: LambdaCallback) => unknown;

/**
 * Stands in for the Lambda Node.js runtime object. The runtime calls the handler as its own method,
 * `this.handler(event, context, callback)` (aws/aws-lambda-nodejs-runtime-interface-client, Runtime.js
 * handleOnceNonStreaming), so an exported class method that is not bound runs with `this` = the runtime:
 * not its class instance (`this.helper()` is "not a function", as on AWS) and not undefined. One per
 * function instance, so what a handler stores on `this` lasts across its invocations, as on AWS.
 */
export class FunctionRuntime {
  constructor(readonly handler: InvocableHandler) {}
}

export type InvocationOutcome =
  /** `value`: what the handler returned, as it returned it (an authorizer's policy is no proxy result). */
  | { kind: 'returned'; result: HandlerResult | undefined; value: unknown }
  | { kind: 'threw'; error: unknown }
  | { kind: 'timedOut' };

export function invokeHandler(
  runtime: FunctionRuntime,
  event: GatewayEvent | GatewayAuthorizerEvent,
  functionName: string,
  timeoutMs: number,
): Promise<InvocationOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: InvocationOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const complete: LambdaCallback = (error, result) =>
      settle(error !== undefined && error !== null ? { kind: 'threw', error } : { kind: 'returned', result: asHandlerResult(result), value: result });
    const timer = setTimeout(() => settle({ kind: 'timedOut' }), timeoutMs);
    const context = createLambdaContext({ functionName, deadline: Date.now() + timeoutMs, complete });
    try {
      const returned = runtime.handler(event, context, complete); // a method call, as the runtime makes it
      if (isPromiseLike(returned)) {
        returned.then((result) => complete(undefined, result), (error: unknown) => settle({ kind: 'threw', error: error ?? new Error('rejected') }));
      } else if (runtime.handler.length < 3) {
        complete(undefined, returned);
      }
    } catch (error) {
      settle({ kind: 'threw', error });
    }
  });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Keeps the Lambda proxy fields API Gateway reads; anything else counts as "no result". */
function asHandlerResult(value: unknown): HandlerResult | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { statusCode, body, headers } = value as Record<string, unknown>;
  const result: HandlerResult = {};
  if (typeof statusCode === 'number') result.statusCode = statusCode;
  else if (typeof statusCode === 'string' && /^\d+$/.test(statusCode)) result.statusCode = Number(statusCode);
  if (typeof body === 'string') result.body = body;
  if (typeof headers === 'object' && headers !== null) {
    result.headers = Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  }
  return result;
}
