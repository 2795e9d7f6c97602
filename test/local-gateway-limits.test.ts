// API Gateway's WebSocket quotas, enforced on real sockets: 32 KB frames, 128 KB messages (frames
// reassembled), no binary frames, the idle timeout and the maximum duration — shortened where they are
// times so the suite stays fast. Only lower bounds on time are asserted.
import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { describe, expect, it } from 'vitest';
import { InboundFrameGuard } from '../local/gateway/frame-guard.ts';
import { AWS_LIMITS } from '../local/gateway/index.ts';
import { disconnectOf, EventRecorder, managementClient, onlyConnectionId, openClient, startTestGateway } from './support/gateway.ts';
import { rejectionOf } from './support/outcomes.ts';
import { sleep } from './support/wait.ts';

const KB = 1024;

/**
 * A gateway whose $default records message sizes and whose $disconnect records the close. `connecting`
 * is the time just before the handshake began: the gateway's timers start later than it (at the upgrade),
 * so a lower bound measured from it holds however long the handshake took on a loaded machine.
 */
async function gatewayWithRecorder(limits = {}) {
  const seen = new EventRecorder();
  const gateway = await startTestGateway({ limits, routes: { $default: seen.record, $disconnect: seen.record } });
  const connecting = performance.now();
  const client = await openClient(gateway.url);
  return { seen, gateway, client, id: onlyConnectionId(gateway), connecting };
}

describe('defaults', () => {
  it('are AWS\'s quotas (apigateway-execution-service-websocket-limits-table), each overridable in `limits`', () => {
    expect(AWS_LIMITS).toMatchObject({
      frameBytes: 32 * KB,
      messageBytes: 128 * KB,
      idleTimeoutMs: 10 * 60 * 1000,
      maxDurationMs: 2 * 60 * 60 * 1000,
      handlerTimeoutMs: 29 * 1000,
    });
  });
});

describe('frame and message size', () => {
  it('accepts a 32 KB frame and closes with 1009 on a larger one', async () => {
    const { seen, client, id } = await gatewayWithRecorder();

    client.socket.send('a'.repeat(32 * KB));
    await seen.waitFor((event) => event.body?.length === 32 * KB);
    client.socket.send('a'.repeat(32 * KB + 1));

    expect((await client.whenClosed()).code).toBe(1009);
    const disconnect = await seen.waitFor(disconnectOf(id));
    expect(disconnect.requestContext.disconnectStatusCode).toBe(1009);
    expect(seen.ofType('MESSAGE')).toHaveLength(1);
  });

  it('reassembles a message sent as 32 KB fragments, up to 128 KB', async () => {
    const { seen, client } = await gatewayWithRecorder();

    for (let i = 0; i < 3; i++) client.socket.send('f'.repeat(32 * KB), { fin: false });
    client.socket.send('f'.repeat(32 * KB), { fin: true });

    const event = await seen.waitFor(() => true);
    expect(event.body).toBe('f'.repeat(128 * KB));
  });

  it('closes with 1009 when fragments add up to more than 128 KB', async () => {
    const { seen, client, id } = await gatewayWithRecorder();

    for (let i = 0; i < 4; i++) client.socket.send('f'.repeat(30 * KB), { fin: false });
    client.socket.send('f'.repeat(30 * KB), { fin: true });

    expect((await client.whenClosed()).code).toBe(1009);
    await seen.waitFor(disconnectOf(id));
    expect(seen.ofType('MESSAGE')).toEqual([]);
  });

  it('closes with 1003 on a binary frame, which AWS does not support', async () => {
    const { seen, client, id } = await gatewayWithRecorder();

    client.socket.send(Buffer.from([1, 2, 3]));

    expect((await client.whenClosed()).code).toBe(1003);
    expect((await seen.waitFor(disconnectOf(id))).requestContext.disconnectStatusCode).toBe(1003);
    expect(seen.ofType('MESSAGE')).toEqual([]);
  });

  it('applies configured sizes, inbound and to POST @connections', async () => {
    const { client, gateway, id } = await gatewayWithRecorder({ frameBytes: 1 * KB, messageBytes: 2 * KB });
    const api = managementClient(gateway.callbackUrl);

    const tooLarge = (await rejectionOf(api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'p'.repeat(2 * KB + 1) })))).name;
    await api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'p'.repeat(2 * KB) }));
    expect(tooLarge).toBe('PayloadTooLargeException');
    expect(await client.nextMessage()).toHaveLength(2 * KB);
    expect(client.frames.map((frame) => frame.length)).toEqual([1 * KB, 1 * KB]);

    client.socket.send('q'.repeat(1 * KB + 1));
    expect((await client.whenClosed()).code).toBe(1009);
  });
});

describe('InboundFrameGuard', () => {
  // A masked client frame header; payload bytes follow and are skipped, never inspected.
  const frame = (opcode: number, length: number, fin = true) => {
    const lengthBytes = length < 126 ? [length] : length < 65536 ? [126, length >> 8, length & 0xff] : [127, 0, 0, 0, 0, length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff];
    lengthBytes[0] = (lengthBytes[0] ?? 0) | 0x80;
    return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, ...lengthBytes, 1, 2, 3, 4]), Buffer.alloc(length)]);
  };

  it('finds frame headers split across chunks at any byte boundary', () => {
    const stream = Buffer.concat([frame(1, 10), frame(1, 300, false), frame(0, 70_000 - 300), frame(9, 4), frame(1, 200)]);
    for (const chunkSize of [1, 2, 3, 7, 64, 1000]) {
      const guard = new InboundFrameGuard(100_000, 70_000);
      const violations = [];
      for (let offset = 0; offset < stream.length; offset += chunkSize) violations.push(guard.inspect(stream.subarray(offset, offset + chunkSize)));
      expect(violations.filter(Boolean)).toEqual([]);
    }
  });

  it('reports the first violation: frame size, message size, binary', () => {
    expect(new InboundFrameGuard(100, 1000).inspect(frame(1, 101))).toEqual({ code: 1009, cause: 'frame-too-big' });
    expect(new InboundFrameGuard(100, 150).inspect(Buffer.concat([frame(1, 100, false), frame(0, 51)]))).toEqual({ code: 1009, cause: 'message-too-big' });
    expect(new InboundFrameGuard(100, 150).inspect(Buffer.concat([frame(1, 100), frame(1, 100)]))).toBeUndefined();
    expect(new InboundFrameGuard(100, 1000).inspect(frame(2, 3))).toEqual({ code: 1003, cause: 'binary-frame' });
  });
});

describe('idle timeout and maximum duration', () => {
  it('closes an idle connection with 1001 and runs $disconnect once', async () => {
    const { seen, client, gateway, id, connecting } = await gatewayWithRecorder({ idleTimeoutMs: 300 });

    expect((await client.whenClosed()).code).toBe(1001);
    const disconnect = await seen.waitFor(disconnectOf(id));

    expect(performance.now() - connecting).toBeGreaterThanOrEqual(250);
    expect(disconnect.requestContext.disconnectStatusCode).toBe(1001);
    expect(gateway.connectionIds()).toEqual([]);
    await gateway.close();
    expect(seen.ofType('DISCONNECT')).toHaveLength(1);
  });

  it('counts messages in either direction as activity', async () => {
    const idleTimeoutMs = 1000;
    const { seen, client, gateway, id } = await gatewayWithRecorder({ idleTimeoutMs });
    const api = managementClient(gateway.callbackUrl);

    // Traffic for 1.6 idle timeouts, a tenth of the timeout apart, alternating client messages and POSTs.
    // This pacing is what is under test (activity, not a sync point); the 90 % of the timeout left between
    // two of them is room for a busy machine to stall.
    for (let i = 0; i < 16; i++) {
      if (i % 2) client.socket.send('still here');
      else await api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'still there' }));
      await sleep(idleTimeoutMs / 10);
    }
    expect(gateway.connectionIds()).toEqual([id]);

    expect((await client.whenClosed()).code).toBe(1001); // once traffic stops
    await seen.waitFor(disconnectOf(id));
  });

  it('closes after the maximum duration however active the connection is', async () => {
    const { seen, client, id, connecting } = await gatewayWithRecorder({ maxDurationMs: 500, idleTimeoutMs: 10_000 });
    const chatter = setInterval(() => client.socket.send('busy'), 50);

    const closed = await client.whenClosed();
    clearInterval(chatter);

    expect(closed.code).toBe(1001);
    expect(performance.now() - connecting).toBeGreaterThanOrEqual(450);
    expect((await seen.waitFor(disconnectOf(id))).requestContext.disconnectStatusCode).toBe(1001);
  });
});
