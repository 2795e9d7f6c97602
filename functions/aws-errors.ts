// Matching AWS SDK (v3) errors, in one place. By name, not by class: an exception class belongs to one
// copy of its package (a bundled handler and the code that calls it can hold two), and errors shaped like
// the SDK's (connection-poster.ts's, a middleware's, a test's injected ones) are plain Errors with the
// same `name` and `$metadata`. An SDK exception's `name` is its class name, so `instanceof` adds nothing.

/** True when `error` is an Error named one of `names`, e.g. `isAwsError(error, 'ConditionalCheckFailedException')`. */
export function isAwsError(error: unknown, ...names: readonly string[]): error is Error {
  return error instanceof Error && names.includes(error.name);
}

/** The HTTP status an SDK error carries (`$metadata.httpStatusCode`); undefined for anything else (a network error). */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata = error.$metadata;
  if (typeof metadata !== 'object' || metadata === null || !('httpStatusCode' in metadata)) return undefined;
  return typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}
