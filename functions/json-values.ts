// Reading what JSON.parse gave back, from a peer (DynamoDB, SQS, API Gateway, an OIDC issuer) or a
// client: written once here rather than as a guard per module. A parsed object's field names are the
// peer's strings, so they are read through a Map (`__proto__` is then a key like any other), never as
// a plain object's properties.

/** JSON.parse, or undefined for text that is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON object's fields by name; none for anything else (an array, a string, null, undefined). */
export function jsonFields(value: unknown): ReadonlyMap<string, unknown> {
  return new Map<string, unknown>(isJsonObject(value) ? Object.entries(value) : []);
}
