// Routing and integration results through real sockets: route selection, $default, the Forbidden and
// Internal server error frames, route responses, and the event every handler receives.
import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { describe, expect, it } from 'vitest';
import { commonLogFormatTime } from '../local/gateway/lambda-events.ts';
import type { GatewayEvent } from '../local/gateway/index.ts';
import { EventRecorder, managementClient, onlyConnectionId, openClient, startTestGateway } from './support/gateway.ts';

const AWS_ID = /^[A-Za-z0-9_-]{15}=$/;
const CLF_TIME = /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/;

describe('route selection over the wire', () => {
  it('routes by $request.body.action by default, and everything else to $default with routeKey "$default"', async () => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({ routes: { sendmessage: seen.record, $default: seen.record } });
    const client = await openClient(gateway.url);

    const frames = ['{"action":"sendmessage","data":"hi"}', '{"action":"unknown"}', 'not json at all'];
    for (const frame of frames) client.socket.send(frame);
    // Handlers run concurrently: wait for each frame's own event, and do not read order into the record.
    const events = await Promise.all(frames.map((frame) => seen.waitFor((event) => event.body === frame)));

    expect(events.map((event) => [event.requestContext.routeKey, event.body])).toEqual([
      ['sendmessage', '{"action":"sendmessage","data":"hi"}'],
      ['$default', '{"action":"unknown"}'],
      ['$default', 'not json at all'],
    ]);
    await gateway.whenIdle();
    expect(seen.events).toHaveLength(3);
  });

  it('answers an unroutable message with AWS\'s Forbidden frame when there is no $default', async () => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({ routes: { sendmessage: seen.record } });
    const client = await openClient(gateway.url);

    client.socket.send('{"action":"sendMessage"}'); // wrong case: the classic simple-websockets-chat-app#19 mistake
    const frame = JSON.parse(await client.nextMessage()) as Record<string, string>;

    expect(frame).toEqual({ message: 'Forbidden', connectionId: onlyConnectionId(gateway), requestId: expect.stringMatching(AWS_ID) });
    // Non-JSON cannot be routed at all: with no $default it gets the same frame, with a request id of its own.
    client.socket.send('plain text');
    const second = JSON.parse(await client.nextMessage()) as Record<string, string>;
    expect(second).toEqual({ ...frame, requestId: expect.stringMatching(AWS_ID) });
    expect(second.requestId).not.toBe(frame.requestId);
    // The exact bytes, spacing included, as AWS sends them (aws-samples/simple-websockets-chat-app#24).
    expect(client.texts[0]).toBe(`{"message": "Forbidden", "connectionId":"${frame.connectionId}", "requestId":"${frame.requestId}"}`);
    expect(seen.events).toEqual([]);
  });

  it('uses a configured selection expression with nested paths and static text', async () => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({
      routeSelectionExpression: '${request.body.service}/${request.body.data.kind}',
      routes: { 'chat/join': seen.record, $default: seen.record },
    });
    const client = await openClient(gateway.url);

    client.socket.send('{"service":"chat","data":{"kind":"join"}}');
    const event = await seen.waitFor(() => true);

    expect(event.requestContext.routeKey).toBe('chat/join');
  });

  // The forms of websocket-api-develop-routes, each through a real socket: the evaluated key picks the route.
  it.each([
    ['$request.body.action', { action: 'join' }, 'join'],
    ['${request.body.action}', { action: 'join' }, 'join'],
    ['$request.body.data.room', { data: { room: 'room1234' } }, 'room1234'],
    ["$request.body['data']['room']", { data: { room: 'room1234' } }, 'room1234'],
    ['$request.body.steps[1].name', { steps: [{ name: 'a' }, { name: 'b' }] }, 'b'],
    ['${request.body.service}/${request.body.action}', { service: 'chat', action: 'join' }, 'chat/join'],
    ['${request.body.action}-${request.body.invalidPath}', { action: 'join' }, 'join-'],
    ['$request.body.version', { version: 2 }, '2'],
  ])('selects the route %s evaluates to', async (expression, message, routeKey) => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({ routeSelectionExpression: expression, routes: { [routeKey]: seen.record, $default: seen.record } });
    const client = await openClient(gateway.url);

    client.socket.send(JSON.stringify(message));

    expect((await seen.waitFor(() => true)).requestContext.routeKey).toBe(routeKey);
  });

  it('invokes handlers concurrently: a slow message does not hold up the next one', async () => {
    let releaseSlow = () => {};
    const gateway = await startTestGateway({
      routes: {
        slow: () => new Promise((resolve) => (releaseSlow = () => resolve({ statusCode: 200, body: 'slow done' }))),
        fast: () => ({ statusCode: 200, body: 'fast done' }),
      },
      routeResponses: ['slow', 'fast'],
    });
    const client = await openClient(gateway.url);

    client.socket.send('{"action":"slow"}');
    client.socket.send('{"action":"fast"}');
    expect(await client.nextMessage()).toBe('fast done');
    releaseSlow();
    expect(await client.nextMessage()).toBe('slow done');
  });
});

describe('integration results', () => {
  it('sends the Internal server error frame when a handler throws, with that message\'s requestId', async () => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({
      routes: {
        fail: (event) => {
          seen.record(event);
          throw new Error('handler bug');
        },
      },
    });
    const client = await openClient(gateway.url);

    client.socket.send('{"action":"fail"}');
    const frame = JSON.parse(await client.nextMessage()) as Record<string, string>;

    const [event] = seen.events;
    expect(frame).toEqual({
      message: 'Internal server error',
      connectionId: event?.requestContext.connectionId,
      requestId: event?.requestContext.requestId,
    });
  });

  it('sends the same frame when a handler rejects or outlives the integration timeout', async () => {
    const gateway = await startTestGateway({
      limits: { handlerTimeoutMs: 100 },
      routes: { reject: () => Promise.reject(new Error('async bug')), hang: () => new Promise(() => {}) },
    });
    const client = await openClient(gateway.url);

    client.socket.send('{"action":"reject"}');
    expect(JSON.parse(await client.nextMessage())).toMatchObject({ message: 'Internal server error' });
    client.socket.send('{"action":"hang"}');
    expect(JSON.parse(await client.nextMessage())).toMatchObject({ message: 'Internal server error' });
  });

  it('sends the returned body back only on routes configured with a route response', async () => {
    const answered: string[] = [];
    const gateway = await startTestGateway({
      routes: {
        oneway: () => {
          answered.push('oneway');
          return { statusCode: 200, body: 'not sent' };
        },
        twoway: () => ({ statusCode: 200, body: 'sent back' }),
        $default: () => ({ statusCode: 500, body: 'status is ignored, body is sent' }),
      },
      routeResponses: ['twoway', '$default'],
    });
    const client = await openClient(gateway.url);

    client.socket.send('{"action":"oneway"}');
    client.socket.send('{"action":"twoway"}');
    expect(await client.nextMessage()).toBe('sent back');
    client.socket.send('plain text');
    expect(await client.nextMessage()).toBe('status is ignored, body is sent');
    // Those replies do not prove the oneway handler has finished (handlers run concurrently), nor that
    // nothing else is on its way: only once no invocation is left and a ping is back is the record final.
    await gateway.whenIdle();
    await client.roundTrip();
    expect(answered).toEqual(['oneway']);
    expect(client.texts).toEqual(['sent back', 'status is ignored, body is sent']);
  });
});

describe('event shape', () => {
  it('carries every requestContext field; headers and query string only on $connect; messageId only on MESSAGE', async () => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({
      stage: 'dev',
      apiId: 'abcde12345',
      routes: { $connect: seen.record, $disconnect: seen.record, $default: seen.record },
    });
    const client = await openClient(`${gateway.url}/dev?room=lobby&tag=a&tag=b`, {
      headers: { 'User-Agent': 'gateway-test/1.0', Authorization: 'Bearer t0ken', 'X-Forwarded-For': '203.0.113.7' },
    });
    client.socket.send('hello');
    await seen.waitFor((event) => event.requestContext.eventType === 'MESSAGE');
    client.socket.close(1000, 'bye');
    await seen.waitFor((event) => event.requestContext.eventType === 'DISCONNECT');
    const [connect, message, disconnect] = seen.events as [GatewayEvent, GatewayEvent, GatewayEvent];

    const common = {
      connectionId: expect.stringMatching(AWS_ID),
      connectedAt: expect.any(Number),
      requestId: expect.stringMatching(AWS_ID),
      extendedRequestId: expect.stringMatching(AWS_ID),
      requestTime: expect.stringMatching(CLF_TIME),
      requestTimeEpoch: expect.any(Number),
      messageDirection: 'IN',
      domainName: `127.0.0.1:${gateway.port}`,
      stage: 'dev',
      apiId: 'abcde12345',
      identity: { sourceIp: '127.0.0.1', userAgent: 'gateway-test/1.0' },
    };
    expect(connect.requestContext).toEqual({ ...common, routeKey: '$connect', eventType: 'CONNECT' });
    expect(message.requestContext).toEqual({ ...common, routeKey: '$default', eventType: 'MESSAGE', messageId: expect.stringMatching(AWS_ID) });
    expect(disconnect.requestContext).toEqual({
      ...common,
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      disconnectStatusCode: 1000,
      disconnectReason: 'bye',
    });
    for (const event of seen.events) {
      expect(event.isBase64Encoded).toBe(false);
      expect(event.requestContext.requestId).toBe(event.requestContext.extendedRequestId);
      expect(event.requestContext.connectionId).toBe(connect.requestContext.connectionId);
      expect(event.requestContext.connectedAt).toBe(connect.requestContext.connectedAt);
    }
    expect(new Set(seen.events.map((event) => event.requestContext.requestId)).size).toBe(3);
    for (const { requestContext } of seen.events) {
      // requestTime is requestTimeEpoch in Common Log Format, to the second; nothing happens before connectedAt.
      expect(requestContext.requestTime).toBe(commonLogFormatTime(requestContext.requestTimeEpoch));
      expect(requestContext.requestTimeEpoch).toBeGreaterThanOrEqual(requestContext.connectedAt);
    }

    // $connect: the upgrade request's headers (as the client cased them) and query string, single and multi-value.
    expect(connect.headers).toMatchObject({
      Authorization: 'Bearer t0ken',
      'User-Agent': 'gateway-test/1.0',
      Host: `127.0.0.1:${gateway.port}`,
      'X-Forwarded-For': '203.0.113.7, 127.0.0.1',
      'X-Forwarded-Proto': 'http',
      'X-Forwarded-Port': String(gateway.port),
      'X-Amzn-Trace-Id': expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/),
      'Sec-WebSocket-Key': expect.any(String),
    });
    expect(connect.headers).not.toHaveProperty('Connection');
    expect(connect.multiValueHeaders?.Authorization).toEqual(['Bearer t0ken']);
    expect(connect.queryStringParameters).toEqual({ room: 'lobby', tag: 'b' });
    expect(connect.multiValueQueryStringParameters).toEqual({ room: ['lobby'], tag: ['a', 'b'] });
    expect(connect.body).toBeUndefined();

    // MESSAGE: the body, no headers or query string.
    expect(message.body).toBe('hello');
    expect(message).not.toHaveProperty('headers');
    expect(message).not.toHaveProperty('queryStringParameters');

    // DISCONNECT: the fixed headers AWS sends, nothing else.
    expect(disconnect.headers).toEqual({ Host: `127.0.0.1:${gateway.port}`, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' });
    expect(disconnect).not.toHaveProperty('queryStringParameters');
    expect(disconnect.body).toBeUndefined();
  });

  it('omits the query string fields on $connect when the URL has none, and issues a new connection id per connection', async () => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({ routes: { $connect: seen.record } });
    await openClient(gateway.url);
    await openClient(`${gateway.url}/local`);

    const [first, second] = seen.events;
    expect(first).not.toHaveProperty('queryStringParameters');
    expect(first).not.toHaveProperty('multiValueQueryStringParameters');
    expect(first?.requestContext.connectionId).not.toBe(second?.requestContext.connectionId);
  });

  it('gives a domainName and stage from which a handler builds a working callback URL', async () => {
    const gateway = await startTestGateway({
      routes: {
        $default: async (event) => {
          const { domainName, stage, connectionId } = event.requestContext;
          const client = managementClient(`http://${domainName}/${stage}`);
          await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: `you said ${event.body}` }));
          return { statusCode: 200 };
        },
      },
    });
    const client = await openClient(gateway.url);

    client.socket.send('ping');
    expect(await client.nextMessage()).toBe('you said ping');
  });

  it('formats requestTime as AWS does: dd/Mon/yyyy:HH:mm:ss +0000 in UTC', () => {
    expect(commonLogFormatTime(Date.UTC(2026, 10, 23, 10, 30, 0, 999))).toBe('23/Nov/2026:10:30:00 +0000');
    expect(commonLogFormatTime(Date.UTC(2024, 0, 5, 9, 5, 7))).toBe('05/Jan/2024:09:05:07 +0000');
  });

  it('passes a repeated header as every value in multiValueHeaders and the last one in headers', async () => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({ routes: { $connect: seen.record } });

    await openClient(gateway.url, { headers: { 'X-Tag': ['first', 'second'] } });

    const [connect] = seen.events;
    expect(connect?.multiValueHeaders?.['X-Tag']).toEqual(['first', 'second']);
    expect(connect?.headers?.['X-Tag']).toBe('second');
  });
});
