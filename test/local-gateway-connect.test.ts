// $connect runs inside the upgrade: the connection does not exist until it returns 2xx, any other
// status refuses the handshake with that status, the integration is optional, and the sub-protocol is
// echoed only when $connect returns it.
import { GetConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { describe, expect, it } from 'vitest';
import { EventRecorder, managementClient, onlyConnectionId, openClient, startTestGateway, tryConnect } from './support/gateway.ts';
import { rejectionOf } from './support/outcomes.ts';

describe('$connect', () => {
  it('runs before the upgrade completes: the connection is Gone to @connections until $connect returns', async () => {
    const duringConnect: Record<string, unknown> = {};
    const gateway = await startTestGateway({
      routes: {
        $connect: async (event) => {
          const { connectionId } = event.requestContext;
          const api = managementClient(gatewayCallbackUrl());
          duringConnect.listed = gateway.connectionIds().includes(connectionId);
          duringConnect.post = (await rejectionOf(api.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'welcome' })))).name;
          duringConnect.get = (await rejectionOf(api.send(new GetConnectionCommand({ ConnectionId: connectionId })))).name;
          return { statusCode: 200 };
        },
      },
    });
    const gatewayCallbackUrl = () => gateway.callbackUrl;

    const client = await openClient(gateway.url);

    expect(duringConnect).toEqual({ listed: false, post: 'GoneException', get: 'GoneException' });
    // Once $connect has returned, the same id is live.
    const api = managementClient(gateway.callbackUrl);
    await api.send(new PostToConnectionCommand({ ConnectionId: onlyConnectionId(gateway), Data: 'welcome' }));
    expect(await client.nextMessage()).toBe('welcome');
  });

  it.each([401, 403, 429, 500])('refuses the handshake with the status $connect returns (%i), body included', async (status) => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({
      routes: { $connect: () => ({ statusCode: status, body: `refused with ${status}` }), $disconnect: seen.record },
    });

    const outcome = await tryConnect(gateway.url);

    expect(outcome).toMatchObject({ refused: { status, body: `refused with ${status}` } });
    expect(gateway.connectionIds()).toEqual([]);
    await gateway.close();
    expect(seen.events).toEqual([]); // a refused connection never existed: no $disconnect
  });

  it('accepts any 2xx, and a handler that returns nothing', async () => {
    const gateway = await startTestGateway({
      routes: { $connect: (event) => (event.queryStringParameters?.quiet ? undefined : { statusCode: 204 }) },
    });

    await openClient(gateway.url);
    await openClient(`${gateway.url}?quiet=1`);

    expect(gateway.connectionIds()).toHaveLength(2);
  });

  it('refuses with 502 when $connect throws and 504 when it outlives the integration timeout', async () => {
    const gateway = await startTestGateway({
      limits: { handlerTimeoutMs: 100 },
      routes: {
        $connect: (event) => {
          if (event.queryStringParameters?.mode === 'throw') throw new Error('connect bug');
          return new Promise(() => {});
        },
      },
    });

    expect(await tryConnect(`${gateway.url}?mode=throw`)).toMatchObject({ refused: { status: 502, body: '{"message": "Internal server error"}' } });
    expect(await tryConnect(`${gateway.url}?mode=hang`)).toMatchObject({ refused: { status: 504 } });
  });

  it('is optional: without a $connect route every handshake is accepted', async () => {
    const gateway = await startTestGateway({ routes: { $default: () => ({ statusCode: 200, body: 'pong' }) }, routeResponses: ['$default'] });

    const client = await openClient(gateway.url);
    client.socket.send('ping');

    expect(await client.nextMessage()).toBe('pong');
  });

  it('accepts clients at / and at /{stage}, and refuses other paths', async () => {
    const gateway = await startTestGateway({ stage: 'prod', routes: {} });

    await openClient(gateway.url);
    await openClient(`${gateway.url}/prod`);
    await openClient(`${gateway.url}/prod/`);
    expect(await tryConnect(`${gateway.url}/dev`)).toMatchObject({ refused: { status: 403 } });
  });
});

describe('sub-protocols', () => {
  it('echoes the Sec-WebSocket-Protocol that $connect returns', async () => {
    const gateway = await startTestGateway({
      routes: {
        $connect: (event) => {
          const offered = (event.headers?.['Sec-WebSocket-Protocol'] ?? '').split(',').map((protocol) => protocol.trim());
          if (!offered.includes('chat.v2')) return { statusCode: 400 };
          return { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'chat.v2' } };
        },
      },
    });

    const client = await openClient(gateway.url, { protocols: ['chat.v1', 'chat.v2'] });
    expect(client.socket.protocol).toBe('chat.v2');
    expect(await tryConnect(gateway.url, { protocols: ['chat.v1'] })).toMatchObject({ refused: { status: 400 } });
  });

  it('does not pick a sub-protocol itself: without an echo from $connect the client fails the handshake', async () => {
    const gateway = await startTestGateway({ routes: {} });

    await expect(tryConnect(gateway.url, { protocols: ['chat.v1'] })).rejects.toThrow(/no subprotocol/i);
  });
});
