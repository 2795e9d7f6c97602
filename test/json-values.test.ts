// The one reader of parsed JSON (functions/json-values.ts): what a peer or a client sent, read safely.
import { describe, expect, it } from 'vitest';
import { isJsonObject, jsonFields, parseJson } from '../functions/json-values.ts';

describe('json-values', () => {
  it('parses JSON, and gives undefined for text that is not', () => {
    expect(parseJson('{"a":1}')).toEqual({ a: 1 });
    expect(parseJson('<html>bad gateway</html>')).toBeUndefined();
    expect(parseJson('')).toBeUndefined();
  });

  it('counts only objects as JSON objects: not arrays, null or scalars', () => {
    expect(isJsonObject({})).toBe(true);
    for (const value of [[], null, undefined, 'x', 1, true]) expect(isJsonObject(value)).toBe(false);
  });

  it('reads fields by name through a Map, so a hostile name is only a key', () => {
    const fields = jsonFields(parseJson('{"__proto__":{"polluted":true},"constructor":"x","message":"m"}'));
    expect(fields.get('__proto__')).toEqual({ polluted: true });
    expect(fields.get('constructor')).toBe('x');
    expect(fields.get('message')).toBe('m');
    expect(fields.get('toString')).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('has no fields for anything but an object', () => {
    for (const value of [[1, 2], null, undefined, 'text', 3]) expect(jsonFields(value).size).toBe(0);
  });
});
