// $disconnect exactly once per connection, whatever closes it — and never for dropConnection, which
// stands for the $disconnect that AWS, being best-effort, sometimes loses.
import { DeleteConnectionCommand, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { describe, expect, it } from 'vitest';
import { disconnectOf, EventRecorder, managementClient, onlyConnectionId, openClient, startTestGateway } from './support/gateway.ts';
import { rejectionOf } from './support/outcomes.ts';
import { sleep } from './support/wait.ts';

describe('$disconnect', () => {
  it('reports the client\'s close code and reason', async () => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({ routes: { $disconnect: seen.record } });
    const client = await openClient(gateway.url);
    const id = onlyConnectionId(gateway);

    client.socket.close(4000, 'leaving the room');

    const disconnect = await seen.waitFor(disconnectOf(id));
    expect(disconnect.requestContext).toMatchObject({ disconnectStatusCode: 4000, disconnectReason: 'leaving the room' });
  });

  it('reports 1005 for a close without a code, 1006 for a vanished client', async () => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({ routes: { $disconnect: seen.record } });
    const polite = await openClient(gateway.url);
    const politeId = onlyConnectionId(gateway);
    const abrupt = await openClient(gateway.url);
    const abruptId = gateway.connectionIds().find((id) => id !== politeId) ?? '';

    polite.socket.close();
    abrupt.socket.terminate();

    expect((await seen.waitFor(disconnectOf(politeId))).requestContext.disconnectStatusCode).toBe(1005);
    expect((await seen.waitFor(disconnectOf(abruptId))).requestContext.disconnectStatusCode).toBe(1006);
  });

  it('runs once when the client closes and the server DELETEs at the same moment', async () => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({ routes: { $disconnect: seen.record } });
    const clients = await Promise.all(Array.from({ length: 5 }, () => openClient(gateway.url)));
    const ids = gateway.connectionIds();
    const api = managementClient(gateway.callbackUrl);

    await Promise.all([
      ...clients.map((client) => client.socket.close(1000)),
      ...ids.map((id) => api.send(new DeleteConnectionCommand({ ConnectionId: id })).catch(() => 'already gone')),
    ]);
    await Promise.all(clients.map((client) => client.whenClosed()));
    await gateway.close();

    expect(seen.ofType('DISCONNECT').map((event) => event.requestContext.connectionId).sort()).toEqual([...ids].sort());
  });

  it('treats the connection as gone while $disconnect runs, as AWS does', async () => {
    const postFromDisconnect: string[] = [];
    const gateway = await startTestGateway({
      routes: {
        $disconnect: async (event) => {
          const api = managementClient(callbackUrl());
          const error = await rejectionOf(api.send(new PostToConnectionCommand({ ConnectionId: event.requestContext.connectionId, Data: 'bye' })));
          postFromDisconnect.push(error.name);
        },
      },
    });
    const callbackUrl = () => gateway.callbackUrl;
    const client = await openClient(gateway.url);

    client.socket.close();
    await client.whenClosed();
    await gateway.close(); // waits for $disconnect to finish

    expect(postFromDisconnect).toEqual(['GoneException']);
  });
});

describe('close()', () => {
  it('closes every connection with 1001, runs each $disconnect once and waits for them', async () => {
    const finished: string[] = [];
    const gateway = await startTestGateway({
      routes: {
        $disconnect: async (event) => {
          await sleep(50); // a $disconnect that takes a while: close() must wait for it
          finished.push(event.requestContext.connectionId);
        },
      },
    });
    const clients = await Promise.all(Array.from({ length: 3 }, () => openClient(gateway.url)));
    const ids = gateway.connectionIds();

    await gateway.close();

    expect([...finished].sort()).toEqual([...ids].sort());
    expect((await Promise.all(clients.map((client) => client.whenClosed()))).map((closed) => closed.code)).toEqual([1001, 1001, 1001]);
    expect(gateway.connectionIds()).toEqual([]);
    await gateway.close(); // idempotent
    expect(finished).toHaveLength(3);
  });
});

describe('dropConnection()', () => {
  it('destroys the socket without $disconnect; the id is Gone afterwards', async () => {
    const seen = new EventRecorder();
    const gateway = await startTestGateway({ routes: { $disconnect: seen.record } });
    const dropped = await openClient(gateway.url);
    const droppedId = onlyConnectionId(gateway);
    const kept = await openClient(gateway.url);
    const api = managementClient(gateway.callbackUrl);

    gateway.dropConnection(droppedId);

    expect((await dropped.whenClosed()).code).toBe(1006);
    expect(gateway.connectionIds()).not.toContain(droppedId);
    expect(await rejectionOf(api.send(new PostToConnectionCommand({ ConnectionId: droppedId, Data: 'x' })))).toBeInstanceOf(GoneException);
    kept.socket.close();
    await kept.whenClosed();
    await gateway.close();
    expect(seen.ofType('DISCONNECT').map((event) => event.requestContext.connectionId)).not.toContain(droppedId);
    expect(seen.ofType('DISCONNECT')).toHaveLength(1);
  });
});
