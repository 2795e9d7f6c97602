// The floor: the physical limit of this machine for the fan-out itself. A bare WebSocket server with
// the local gateway's socket settings (the same `ws`, no compression, a text frame per send) that,
// when the sender's frame arrives, writes it straight to every open socket: no handler, no database,
// no HTTP call per recipient. What is left is what no design can avoid: one frame write per socket
// and the clients reading it.
import { WebSocketServer, type WebSocket } from 'ws';
import { portOf } from '../../local/listening.ts';

export interface FloorServer {
  url: string;
  close(): Promise<void>;
}

export async function startFloor(host = '127.0.0.1'): Promise<FloorServer> {
  const server = new WebSocketServer({ port: 0, host, perMessageDeflate: false, clientTracking: true });
  server.on('connection', (socket: WebSocket) => {
    socket.on('error', () => {});
    socket.on('message', (data: Buffer) => {
      for (const client of server.clients) client.send(data, { binary: false });
    });
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const port = portOf(server);
  return {
    url: `ws://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
