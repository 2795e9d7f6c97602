// A Lambda REQUEST authorizer on $connect, as API Gateway runs one: identity sources checked before the
// function is called (401), its policy honoured (403 on Deny or on an ARN it does not cover), an
// `Unauthorized` error → 401, any other failure → 500, and on Allow its principalId and context (as
// strings) on $connect and every later event of the connection. Any authorizer, not only the chat's.
import { describe, expect, it } from 'vitest';
import type { AuthorizerHandler, GatewayAuthorizerEvent } from '../local/gateway/index.ts';
import { EventRecorder, openClient, startTestGateway, tryConnect } from './support/gateway.ts';

const policy = (effect: 'Allow' | 'Deny', resource: string, context?: Record<string, unknown>) => ({
  principalId: 'user-1',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] },
  ...(context ? { context } : {}),
});

/** An authorizer that records its events and answers with `answer(event)`. */
function recordingAuthorizer(answer: (event: GatewayAuthorizerEvent) => unknown) {
  const calls: GatewayAuthorizerEvent[] = [];
  const handler: AuthorizerHandler = (event) => {
    calls.push(event);
    return answer(event);
  };
  return { calls, handler };
}

const ROUTES = (seen: EventRecorder) => ({ $connect: seen.record, $default: seen.record, $disconnect: seen.record });

describe('$connect authorizer', () => {
  it('answers 401 without calling the function when an identity source is missing or empty', async () => {
    const seen = new EventRecorder();
    const authorizer = recordingAuthorizer((event) => policy('Allow', event.methodArn));
    const gateway = await startTestGateway({ routes: ROUTES(seen), authorizer: { handler: authorizer.handler, identitySource: ['route.request.querystring.token'] } });

    expect(await tryConnect(gateway.url)).toMatchObject({ refused: { status: 401, body: '{"message":"Unauthorized"}' } });
    expect(await tryConnect(gateway.url, { query: { token: '' } })).toMatchObject({ refused: { status: 401 } });
    // A header of that name is not the query parameter.
    expect(await tryConnect(gateway.url, { headers: { token: 'abc' } })).toMatchObject({ refused: { status: 401 } });
    expect(authorizer.calls).toEqual([]);
    expect(seen.events).toEqual([]);
  });

  it('sends a REQUEST event with the method ARN of $connect, the headers and the query string', async () => {
    const authorizer = recordingAuthorizer((event) => policy('Allow', event.methodArn));
    const gateway = await startTestGateway({
      stage: 'dev',
      apiId: 'abcdef1234',
      routes: { $connect: () => ({ statusCode: 200 }) },
      authorizer: { handler: authorizer.handler, identitySource: ['route.request.header.Authorization'] },
    });

    await openClient(gateway.url, { headers: { Authorization: 'Bearer xyz' }, query: { room: 'lobby' } });

    expect(authorizer.calls).toHaveLength(1);
    const [event] = authorizer.calls;
    expect(event).toMatchObject({
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:local:000000000000:abcdef1234/dev/$connect',
      queryStringParameters: { room: 'lobby' },
      multiValueQueryStringParameters: { room: ['lobby'] },
      stageVariables: {},
      requestContext: { routeKey: '$connect', eventType: 'CONNECT', stage: 'dev', apiId: 'abcdef1234' },
    });
    expect(event?.headers.Authorization).toBe('Bearer xyz');
  });

  it('refuses with 403 on a Deny, and on an Allow for another resource; never reaching $connect', async () => {
    const seen = new EventRecorder();
    const authorizer = recordingAuthorizer((event) =>
      event.queryStringParameters.token === 'deny' ? policy('Deny', event.methodArn) : policy('Allow', 'arn:aws:execute-api:local:000000000000:other/dev/$connect'),
    );
    const gateway = await startTestGateway({ routes: ROUTES(seen), authorizer: { handler: authorizer.handler, identitySource: ['route.request.querystring.token'] } });

    expect(await tryConnect(gateway.url, { query: { token: 'deny' } })).toMatchObject({ refused: { status: 403, body: '{"message":"Forbidden"}' } });
    expect(await tryConnect(gateway.url, { query: { token: 'elsewhere' } })).toMatchObject({ refused: { status: 403 } });
    expect(seen.events).toEqual([]);
  });

  it('answers 401 for an `Unauthorized` error and 500 for any other failure or a malformed answer', async () => {
    const answers: Record<string, () => unknown> = {
      unauthorized: () => Promise.reject(new Error('Unauthorized')),
      crash: () => Promise.reject(new Error('boom')),
      nothing: () => undefined,
      nested: () => ({ ...policy('Allow', '*'), context: { user: { id: 1 } } }),
      huge: () => policy('Allow', '*', { blob: 'x'.repeat(9000) }),
    };
    const seen = new EventRecorder();
    const authorizer = recordingAuthorizer((event) => answers[event.queryStringParameters.token ?? '']?.());
    const gateway = await startTestGateway({ routes: ROUTES(seen), authorizer: { handler: authorizer.handler, identitySource: ['route.request.querystring.token'] } });

    expect(await tryConnect(gateway.url, { query: { token: 'unauthorized' } })).toMatchObject({ refused: { status: 401 } });
    for (const token of ['crash', 'nothing', 'nested', 'huge']) {
      expect(await tryConnect(gateway.url, { query: { token } }), token).toMatchObject({ refused: { status: 500, body: '{"message":"Internal server error"}' } });
    }
    expect(seen.events).toEqual([]);
  });

  it('passes principalId and the context, as strings, to $connect and every later event of the connection', async () => {
    const seen = new EventRecorder();
    const authorizer = recordingAuthorizer((event) => policy('Allow', event.methodArn, { sub: 'u-42', name: 'Ada', admin: false, level: 3 }));
    const gateway = await startTestGateway({ routes: ROUTES(seen), authorizer: { handler: authorizer.handler, identitySource: ['route.request.querystring.token'] } });

    const client = await openClient(gateway.url, { query: { token: 't' } });
    client.send('hello');
    await seen.waitFor((event) => event.requestContext.eventType === 'MESSAGE');
    await client.close();
    await seen.waitFor((event) => event.requestContext.eventType === 'DISCONNECT');

    const expected = { principalId: 'user-1', sub: 'u-42', name: 'Ada', admin: 'false', level: '3' };
    expect(seen.events.map((event) => [event.requestContext.eventType, event.requestContext.authorizer])).toEqual([
      ['CONNECT', expected],
      ['MESSAGE', expected],
      ['DISCONNECT', expected],
    ]);
  });

  it('calls the function for every handshake by default (AWS caches no WebSocket authorizer result)', async () => {
    const authorizer = recordingAuthorizer((event) => policy('Allow', event.methodArn));
    const gateway = await startTestGateway({
      routes: { $connect: () => ({ statusCode: 200 }) },
      authorizer: { handler: authorizer.handler, identitySource: ['route.request.querystring.token'] },
    });

    await openClient(gateway.url, { query: { token: 'same' } });
    await openClient(gateway.url, { query: { token: 'same' } });

    expect(authorizer.calls).toHaveLength(2);
  });

  it('with resultTtlSeconds, reuses a policy for the same identity source values, not for others', async () => {
    const authorizer = recordingAuthorizer((event) => policy(event.queryStringParameters.token === 'bad' ? 'Deny' : 'Allow', event.methodArn, { token: event.queryStringParameters.token }));
    const seen = new EventRecorder();
    const gateway = await startTestGateway({
      routes: ROUTES(seen),
      authorizer: { handler: authorizer.handler, identitySource: ['route.request.querystring.token'], resultTtlSeconds: 300 },
    });

    await openClient(gateway.url, { query: { token: 'a' } });
    await openClient(gateway.url, { query: { token: 'a' } });
    await openClient(gateway.url, { query: { token: 'b' } });
    expect(await tryConnect(gateway.url, { query: { token: 'bad' } })).toMatchObject({ refused: { status: 403 } });
    expect(await tryConnect(gateway.url, { query: { token: 'bad' } })).toMatchObject({ refused: { status: 403 } });

    expect(authorizer.calls.map((event) => event.queryStringParameters.token)).toEqual(['a', 'b', 'bad']);
    // The cached context is the one its own identity got.
    expect(seen.ofType('CONNECT').map((event) => event.requestContext.authorizer?.token)).toEqual(['a', 'a', 'b']);
  });

  it('refuses, at start-up, an identity source it cannot evaluate and an authorizer without a $connect route', async () => {
    const handler: AuthorizerHandler = () => undefined;
    const routes = { $connect: () => ({ statusCode: 200 }) };
    await expect(startTestGateway({ routes, authorizer: { handler, identitySource: ['$request.header.Auth'] } })).rejects.toThrow(/identity source/);
    await expect(startTestGateway({ routes, authorizer: { handler, identitySource: [] } })).rejects.toThrow(/at least one/);
    await expect(startTestGateway({ routes: {}, authorizer: { handler } })).rejects.toThrow(/needs a \$connect route/);
  });
});
