// The @connections management API, driven by the real @aws-sdk/client-apigatewaymanagementapi client:
// every error must arrive as the SDK's named exception, as it does against AWS.
import {
  DeleteConnectionCommand,
  ForbiddenException,
  GetConnectionCommand,
  GoneException,
  LimitExceededException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { describe, expect, it } from 'vitest';
import { httpStatusOf } from '../functions/aws-errors.ts';
import {
  disconnectOf,
  EventRecorder,
  managementClient,
  onlyConnectionId,
  openClient,
  rawRequest,
  startTestGateway,
} from './support/gateway.ts';
import { outcomeOf, rejectionOf } from './support/outcomes.ts';

describe('POST @connections/{id}', () => {
  it('delivers the data to the client as a text message', async () => {
    const gateway = await startTestGateway({ routes: {} });
    const client = await openClient(gateway.url);
    const api = managementClient(gateway.callbackUrl);

    const response = await api.send(new PostToConnectionCommand({ ConnectionId: onlyConnectionId(gateway), Data: '{"text":"héllo"}' }));
    await api.send(new PostToConnectionCommand({ ConnectionId: onlyConnectionId(gateway), Data: new TextEncoder().encode('bytes too') }));

    expect(response.$metadata.httpStatusCode).toBe(200);
    expect(await client.nextMessage()).toBe('{"text":"héllo"}');
    expect(await client.nextMessage()).toBe('bytes too');
    expect(client.frames.every((frame) => frame.opcode === 1)).toBe(true);
  });

  it('answers 410 GoneException for an id that never existed and for a closed connection', async () => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({ routes: { $disconnect: seen.record } });
    const client = await openClient(gateway.url);
    const id = onlyConnectionId(gateway);
    const api = managementClient(gateway.callbackUrl);

    const unknown = await rejectionOf(api.send(new PostToConnectionCommand({ ConnectionId: 'R1kmxc2VNjMCFIA=', Data: 'x' })));
    client.socket.close();
    await seen.waitFor(disconnectOf(id));
    const closed = await rejectionOf(api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x' })));

    for (const error of [unknown, closed]) {
      expect(error).toBeInstanceOf(GoneException);
      expect(error.name).toBe('GoneException');
      expect(httpStatusOf(error)).toBe(410);
    }
  });

  it('answers 413 PayloadTooLargeException above 128 KB, and delivers exactly 128 KB', async () => {
    const gateway = await startTestGateway({ routes: {} });
    const client = await openClient(gateway.url);
    const api = managementClient(gateway.callbackUrl);
    const id = onlyConnectionId(gateway);

    const tooLarge = await rejectionOf(api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x'.repeat(128 * 1024 + 1) })));
    await api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'y'.repeat(128 * 1024) }));

    expect(tooLarge).toBeInstanceOf(PayloadTooLargeException);
    expect(httpStatusOf(tooLarge)).toBe(413);
    expect((await client.nextMessage()).length).toBe(128 * 1024);
  });

  it('sends messages over 32 KB as 32 KB frames, which the client reassembles', async () => {
    const gateway = await startTestGateway({ routes: {} });
    const client = await openClient(gateway.url);
    const api = managementClient(gateway.callbackUrl);

    await api.send(new PostToConnectionCommand({ ConnectionId: onlyConnectionId(gateway), Data: 'z'.repeat(100 * 1024) }));

    expect(await client.nextMessage()).toBe('z'.repeat(100 * 1024));
    expect(client.frames.map(({ fin, opcode, length }) => [fin, opcode, length])).toEqual([
      [false, 1, 32 * 1024],
      [false, 0, 32 * 1024],
      [false, 0, 32 * 1024],
      [true, 0, 4 * 1024],
    ]);
  });

  it('answers 429 LimitExceededException while the client-side buffer is full', async () => {
    const gateway = await startTestGateway({ routes: {}, limits: { clientBufferBytes: 64 * 1024 } });
    const client = await openClient(gateway.url);
    const api = managementClient(gateway.callbackUrl);
    const id = onlyConnectionId(gateway);
    client.socket.pause(); // the client stops reading, so the kernel buffers fill and the gateway queues the rest

    let error: unknown;
    for (let sent = 0; sent < 2000 && !error; sent++) {
      error = await api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'b'.repeat(100 * 1024) })).then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
    }

    expect(error).toBeInstanceOf(LimitExceededException);
  });
});

describe('GET @connections/{id}', () => {
  it('returns ConnectedAt, LastActiveAt and Identity as the SDK deserialises them', async () => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({ routes: { $connect: seen.record, $default: seen.record } });
    const client = await openClient(gateway.url, { headers: { 'User-Agent': 'sdk-get-test' } });
    const api = managementClient(gateway.callbackUrl);
    const id = onlyConnectionId(gateway);

    const before = await api.send(new GetConnectionCommand({ ConnectionId: id }));
    client.socket.send('activity');
    await seen.waitFor((event) => event.requestContext.eventType === 'MESSAGE');
    const after = await api.send(new GetConnectionCommand({ ConnectionId: id }));

    const connectedAt = seen.events[0]?.requestContext.connectedAt ?? 0;
    expect(before.ConnectedAt).toEqual(new Date(connectedAt));
    expect(before.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'sdk-get-test' });
    expect(before.LastActiveAt).toBeInstanceOf(Date);
    expect(after.LastActiveAt?.getTime()).toBeGreaterThanOrEqual(before.LastActiveAt?.getTime() ?? Infinity);
    expect(await rejectionOf(api.send(new GetConnectionCommand({ ConnectionId: 'R1kmxc2VNjMCFIA=' })))).toBeInstanceOf(GoneException);
  });
});

describe('DELETE @connections/{id}', () => {
  it('answers 204, closes the socket and runs $disconnect once', async () => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({ routes: { $disconnect: seen.record } });
    const client = await openClient(gateway.url);
    const api = managementClient(gateway.callbackUrl);
    const id = onlyConnectionId(gateway);

    const response = await api.send(new DeleteConnectionCommand({ ConnectionId: id }));
    const closed = await client.whenClosed();
    const disconnect = await seen.waitFor(disconnectOf(id));

    expect(response.$metadata.httpStatusCode).toBe(204);
    expect(closed).toEqual({ code: 1000, reason: 'Connection Closed Normally' });
    expect(disconnect.requestContext).toMatchObject({ disconnectStatusCode: 1000, disconnectReason: 'Connection Closed Normally' });
    expect(gateway.connectionIds()).toEqual([]);
    expect(await rejectionOf(api.send(new DeleteConnectionCommand({ ConnectionId: id })))).toBeInstanceOf(GoneException);
    await gateway.close();
    expect(seen.ofType('DISCONNECT')).toHaveLength(1);
  });
});

describe('paths', () => {
  it('accepts URL-encoded ids with or without the stage prefix, @ encoded or not', async () => {
    const gateway = await startTestGateway({ routes: {} });
    const client = await openClient(gateway.url);
    const id = onlyConnectionId(gateway);
    const encoded = encodeURIComponent(id).replace(/=/g, '%3D');

    const responses = [
      await rawRequest(gateway, 'POST', `/local/@connections/${encoded}`, 'with stage'),
      await rawRequest(gateway, 'POST', `/@connections/${encoded}`, 'without stage'),
      await rawRequest(gateway, 'POST', `/local/%40connections/${encoded}`, 'encoded @'),
    ];

    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    expect([await client.nextMessage(), await client.nextMessage(), await client.nextMessage()]).toEqual(['with stage', 'without stage', 'encoded @']);
  });

  it('serves the SDK client configured without the stage in its endpoint: POST, GET and DELETE', async () => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({ routes: { $disconnect: seen.record } });
    const client = await openClient(gateway.url);
    const id = onlyConnectionId(gateway);
    const api = managementClient(`http://127.0.0.1:${gateway.port}`);

    await api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'no stage' }));
    const described = await api.send(new GetConnectionCommand({ ConnectionId: id }));
    const deleted = await api.send(new DeleteConnectionCommand({ ConnectionId: id }));

    expect(await client.nextMessage()).toBe('no stage');
    expect(described.ConnectedAt).toBeInstanceOf(Date);
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect((await seen.waitFor(disconnectOf(id))).requestContext.disconnectStatusCode).toBe(1000);
  });

  it('answers 403 ForbiddenException for another stage, and for paths and methods that are not the API', async () => {
    const gateway = await startTestGateway({ routes: {} });
    await openClient(gateway.url);
    const id = onlyConnectionId(gateway);
    const base = `http://127.0.0.1:${gateway.port}`;

    const wrongStage = await rejectionOf(managementClient(`${base}/prod`).send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x' })));
    const notTheApi = await rawRequest(gateway, 'GET', '/local/somewhere');
    const wrongMethod = await rawRequest(gateway, 'PUT', `/local/@connections/${encodeURIComponent(id)}`);

    expect(wrongStage).toBeInstanceOf(ForbiddenException);
    expect(httpStatusOf(wrongStage)).toBe(403);
    expect({ status: notTheApi.status, body: notTheApi.body, errorType: notTheApi.headers['x-amzn-errortype'] }).toEqual({
      status: 403,
      body: '{"message":"Missing Authentication Token"}',
      errorType: 'ForbiddenException',
    });
    expect(wrongMethod.status).toBe(403);
  });
});

describe('fault injection', () => {
  it('answers a configured share of POSTs with 410 or 429 without delivering them', async () => {
    const draws = [0.05, 0.15, 0.5, 0.05];
    const gateway = await startTestGateway({
      routes: {},
      faults: { postGoneRate: 0.1, postThrottleRate: 0.1, random: () => draws.shift() ?? 0.99 },
    });
    const client = await openClient(gateway.url);
    const api = managementClient(gateway.callbackUrl);
    const post = (data: string) => outcomeOf(api.send(new PostToConnectionCommand({ ConnectionId: onlyConnectionId(gateway), Data: data })));

    const outcomes = [await post('1'), await post('2'), await post('3'), await post('4'), await post('5')];

    expect(outcomes).toEqual(['GoneException', 'LimitExceededException', 'ok', 'GoneException', 'ok']);
    expect([await client.nextMessage(), await client.nextMessage()]).toEqual(['3', '5']);
    expect(client.texts).toEqual(['3', '5']);
  });

  it('lets the SDK retry injected throttling like a real 429', async () => {
    let throttleNext = true;
    const gateway = await startTestGateway({
      routes: {},
      faults: {
        postThrottleRate: 0.5,
        random: () => {
          const draw = throttleNext ? 0 : 0.9;
          throttleNext = false;
          return draw;
        },
      },
    });
    const client = await openClient(gateway.url);

    const response = await managementClient(gateway.callbackUrl, 3).send(new PostToConnectionCommand({ ConnectionId: onlyConnectionId(gateway), Data: 'eventually' }));

    expect(response.$metadata.attempts).toBe(2);
    expect(await client.nextMessage()).toBe('eventually');
  });

  it('adds the configured latency before a POST is handled', async () => {
    const gateway = await startTestGateway({ routes: {}, faults: { postLatencyMs: 150 } });
    await openClient(gateway.url);
    const api = managementClient(gateway.callbackUrl);

    const started = performance.now();
    await api.send(new PostToConnectionCommand({ ConnectionId: onlyConnectionId(gateway), Data: 'slow' }));

    expect(performance.now() - started).toBeGreaterThanOrEqual(145); // a lower bound only: never flaky
  });
});
