// Route selection as API Gateway documents it (websocket-api-develop-routes, apigateway-websocket-api-
// selection-expressions): variables start with '$', may be wrapped in '${…}', several may be mixed with
// static text, '\$' is a literal dollar; for WebSocket APIs a variable is `request.body` followed by a
// JSONPath. The result is stringified (arrays as "[a, b]"); a path that is not found yields "".
// Pure functions, compiled once per gateway and run once per message.

type PathSegment = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };
type TemplatePart = { kind: 'text'; text: string } | { kind: 'body'; path: PathSegment[] };

/** Evaluates the expression against a message; undefined when the message is not JSON. */
export type RouteKeyEvaluator = (body: string) => string | undefined;

export function compileRouteSelectionExpression(expression: string): RouteKeyEvaluator {
  const parts = parseTemplate(expression);
  return (body) => {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return undefined;
    }
    let key = '';
    for (const part of parts) key += part.kind === 'text' ? part.text : stringifyMatches(evaluatePath(json, part.path), part.path);
    return key;
  };
}

/**
 * The route a message takes: the exact route key if one exists (never $connect/$disconnect), else
 * $default (also for non-JSON messages), else undefined — which AWS answers with a Forbidden frame.
 */
export function chooseRoute(evaluatedKey: string | undefined, routeKeys: ReadonlySet<string>): string | undefined {
  if (evaluatedKey !== undefined && evaluatedKey !== '$connect' && evaluatedKey !== '$disconnect' && routeKeys.has(evaluatedKey)) {
    return evaluatedKey;
  }
  return routeKeys.has('$default') ? '$default' : undefined;
}

function parseTemplate(expression: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  const flushText = () => {
    if (text) parts.push({ kind: 'text', text });
    text = '';
  };
  while (i < expression.length) {
    const char = expression[i];
    if (char === '\\' && expression[i + 1] === '$') {
      text += '$';
      i += 2;
    } else if (char === '$' && expression[i + 1] === '{') {
      const end = expression.indexOf('}', i + 2);
      if (end < 0) throw new Error(`route selection expression: unclosed "\${" in ${JSON.stringify(expression)}`);
      flushText();
      parts.push(parseVariable(expression.slice(i + 2, end), expression));
      i = end + 1;
    } else if (char === '$' && /[A-Za-z_]/.test(expression[i + 1] ?? '')) {
      const end = bareVariableEnd(expression, i + 1);
      flushText();
      parts.push(parseVariable(expression.slice(i + 1, end), expression));
      i = end;
    } else {
      text += char;
      i++;
    }
  }
  flushText();
  return parts;
}

/** An unwrapped variable runs over name characters, dots and [...] segments. */
function bareVariableEnd(expression: string, start: number): number {
  let i = start;
  while (i < expression.length) {
    const char = expression[i] ?? '';
    if (/[A-Za-z0-9_.*]/.test(char)) i++;
    else if (char === '[') {
      const close = expression.indexOf(']', i);
      if (close < 0) throw new Error(`route selection expression: unclosed "[" in ${JSON.stringify(expression)}`);
      i = close + 1;
    } else break;
  }
  return i;
}

function parseVariable(variable: string, expression: string): TemplatePart {
  const prefix = 'request.body';
  const rest = variable.slice(prefix.length);
  if (!variable.startsWith(prefix) || (rest !== '' && rest[0] !== '.' && rest[0] !== '[')) {
    throw new Error(
      `route selection expression ${JSON.stringify(expression)}: WebSocket APIs support only $request.body.{JSONPath} variables, not "${variable}"`,
    );
  }
  return { kind: 'body', path: parseJsonPath(rest, expression) };
}

function parseJsonPath(path: string, expression: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`route selection expression ${JSON.stringify(expression)}: ${why}`);
  };
  while (i < path.length) {
    if (path[i] === '.') {
      if (path[i + 1] === '.') fail('recursive descent ("..") is not supported');
      let end = i + 1;
      while (end < path.length && path[end] !== '.' && path[end] !== '[') end++;
      const key = path.slice(i + 1, end);
      if (!key) fail('empty path segment');
      segments.push(key === '*' ? { kind: 'wildcard' } : { kind: 'key', key });
      i = end;
    } else if (path[i] === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) fail('unclosed "[" in JSONPath');
      const inner = path.slice(i + 1, close).trim();
      if (inner === '*') segments.push({ kind: 'wildcard' });
      else if (/^\d+$/.test(inner)) segments.push({ kind: 'index', index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) segments.push({ kind: 'key', key: inner.slice(1, -1) });
      else fail(`unsupported JSONPath segment [${inner}]`);
      i = close + 1;
    } else {
      fail(`unexpected "${path[i]}" in JSONPath`);
    }
  }
  return segments;
}

/** All values the path reaches (several only through wildcards). */
function evaluatePath(root: unknown, path: PathSegment[]): unknown[] {
  let current: unknown[] = [root];
  for (const segment of path) {
    const next: unknown[] = [];
    for (const value of current) {
      if (value === null || typeof value !== 'object') continue;
      if (segment.kind === 'wildcard') next.push(...Object.values(value));
      else if (segment.kind === 'index') {
        if (Array.isArray(value) && segment.index < value.length) next.push(value[segment.index]);
      } else if (!Array.isArray(value) && Object.hasOwn(value, segment.key)) {
        next.push((value as Record<string, unknown>)[segment.key]);
      }
    }
    current = next;
  }
  return current;
}

function stringifyMatches(matches: unknown[], path: PathSegment[]): string {
  const isDefinite = !path.some((segment) => segment.kind === 'wildcard');
  if (isDefinite) return matches.length ? stringifyValue(matches[0]) : '';
  return stringifyValue(matches);
}

function stringifyValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(stringifyValue).join(', ')}]`;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
