// A WebSocket ping answered by the server's pong (ws answers pings itself; no handler runs). The pong
// leaves the server after every frame already handed to that socket, and TCP keeps the order, so once
// it is back all of those frames have arrived. After `LocalGateway.whenIdle()` (every handler done, so
// every POST @connections handed to its socket) that proves nothing more is on its way to this client.
import type WebSocket from 'ws';

let roundTrips = 0;

export function roundTrip(socket: WebSocket, timeoutMs: number): Promise<void> {
  const payload = `round-trip-${(roundTrips += 1)}`;
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no pong in ${timeoutMs} ms`)), timeoutMs);
    const onPong = (data: Buffer) => {
      if (data.toString() === payload) finish();
    };
    const onClose = () => finish(new Error('socket closed while waiting for a pong'));
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.off('pong', onPong);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    socket.on('pong', onPong);
    socket.once('close', onClose);
    socket.ping(payload);
  });
}
