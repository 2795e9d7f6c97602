// Route selection as a pure function: the expression forms AWS documents (websocket-api-develop-routes,
// "Route selection expressions" table) and the fallback rules ($default, then the Forbidden frame).
import { describe, expect, it } from 'vitest';
import { chooseRoute, compileRouteSelectionExpression } from '../local/gateway/route-selection.ts';

// The payload of AWS's own example.
const AWS_EXAMPLE = JSON.stringify({ service: 'chat', action: 'join', data: { room: 'room1234' } });

describe('route selection expression', () => {
  it.each([
    ['$request.body.action', 'join'], // an unwrapped variable
    ['${request.body.action}', 'join'], // a wrapped variable
    ['${request.body.service}/${request.body.action}', 'chat/join'], // several variables with static text
    ['action', 'action'], // a static value
    ['\\$default', '$default'], // an escaped dollar
    ['$request.body.data.room', 'room1234'], // a nested key
    ["$request.body['data']['room']", 'room1234'], // bracket notation
    ['${request.body.nothing.here}', ''], // a path that is not found resolves to ""
  ])('%s evaluates to %j on the documented payload', (expression, expected) => {
    expect(compileRouteSelectionExpression(expression)(AWS_EXAMPLE)).toBe(expected);
  });

  it('resolves a missing variable to "" inside a template: ${…action}-${…invalidPath} is "join-", as in AWS\'s table', () => {
    expect(compileRouteSelectionExpression('${request.body.action}-${request.body.invalidPath}')(AWS_EXAMPLE)).toBe('join-');
  });

  it('stringifies non-string results: numbers, booleans, arrays as "[a, b]"', () => {
    const evaluate = compileRouteSelectionExpression('$request.body.value');
    expect(evaluate('{"value": 42}')).toBe('42');
    expect(evaluate('{"value": true}')).toBe('true');
    expect(evaluate('{"value": ["item1", "item2"]}')).toBe('[item1, item2]');
    expect(evaluate('{"value": null}')).toBe('');
    expect(compileRouteSelectionExpression('$request.body.items[*].kind')('{"items":[{"kind":"a"},{"kind":"b"}]}')).toBe('[a, b]');
    expect(compileRouteSelectionExpression('$request.body.items[1].kind')('{"items":[{"kind":"a"},{"kind":"b"}]}')).toBe('b');
  });

  it('ends an unwrapped variable at the first character that cannot be part of a path', () => {
    expect(compileRouteSelectionExpression('$request.body.action-v2')(AWS_EXAMPLE)).toBe('join-v2');
  });

  it('reports a non-JSON message as unevaluable (undefined), which routes to $default', () => {
    const evaluate = compileRouteSelectionExpression('$request.body.action');
    expect(evaluate('hello')).toBeUndefined();
    expect(evaluate('')).toBeUndefined();
    // JSON that is not an object is still JSON: the path is simply not found.
    expect(evaluate('"action"')).toBe('');
    expect(evaluate('[1, 2]')).toBe('');
  });

  it.each([
    ['$request.header.x-action', /only \$request\.body/],
    ['$context.routeKey', /only \$request\.body/],
    ['${request.body.action', /unclosed/],
    ['$request.body..action', /recursive descent/],
    ['$request.body[?(@.a)]', /unsupported JSONPath segment/],
  ])('rejects %s at start-up', (expression, message) => {
    expect(() => compileRouteSelectionExpression(expression)).toThrow(message);
  });
});

describe('chooseRoute', () => {
  const withDefault = new Set(['$connect', '$disconnect', '$default', 'sendmessage']);
  const withoutDefault = new Set(['$connect', 'sendmessage']);

  it('takes the route whose key matches exactly (case-sensitive)', () => {
    expect(chooseRoute('sendmessage', withDefault)).toBe('sendmessage');
    expect(chooseRoute('sendMessage', withDefault)).toBe('$default');
  });

  it('falls back to $default for unmatched keys and non-JSON messages', () => {
    expect(chooseRoute('nope', withDefault)).toBe('$default');
    expect(chooseRoute(undefined, withDefault)).toBe('$default');
    expect(chooseRoute('', withDefault)).toBe('$default');
  });

  it('never routes a message to $connect or $disconnect', () => {
    expect(chooseRoute('$connect', withDefault)).toBe('$default');
    expect(chooseRoute('$disconnect', withDefault)).toBe('$default');
    expect(chooseRoute('$connect', withoutDefault)).toBeUndefined();
  });

  it('gives no route (the Forbidden frame) when nothing matches and there is no $default', () => {
    expect(chooseRoute('nope', withoutDefault)).toBeUndefined();
    expect(chooseRoute(undefined, withoutDefault)).toBeUndefined();
  });
});
