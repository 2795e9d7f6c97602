// Servers on a port the OS picks, as the emulators, the benchmark and the tests start them: the port read
// back from the server (with a check, not a cast: a server listening on a pipe has none), a failed listen
// (a port in use) rejected rather than thrown at the process, and a close that does not wait for idle
// keep-alive sockets.
import type { Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** What `net.Server`, `http.Server` and `ws`'s WebSocketServer have in common. */
interface Addressed {
  address(): AddressInfo | string | null;
}

/** The TCP port `server` listens on; throws if it does not listen on one. */
export function portOf(server: Addressed): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`the server is not listening on a TCP port (address: ${String(address)})`);
  return address.port;
}

/** Listens on `host`:`port` (0: one the OS picks) and resolves to the port; rejects if it cannot. */
export function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(portOf(server));
    });
  });
}

/** Listens on 127.0.0.1 on a port the OS picks, and resolves to the server's `http://127.0.0.1:PORT`. */
export async function listenOnLoopback(server: Server): Promise<string> {
  return `http://${LOOPBACK}:${await listenOn(server, 0, LOOPBACK)}`;
}

/** A port free right now (taken, then released), for a process that cannot report the port it picked. */
export async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listenOn(server, 0, LOOPBACK);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Closes an HTTP server now: its idle keep-alive sockets too, which `close()` alone waits for. */
export function closeNow(server: HttpServer): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
