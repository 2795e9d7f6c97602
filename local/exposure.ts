// What `npm start` exposes when it listens beyond loopback: the local gateway checks no signature on
// @connections (any caller may post to, describe or close any connection) and has no authorizer, so
// binding to 0.0.0.0 or a LAN address hands both to anyone who can reach the port. Pure functions;
// local/start.ts prints the warning.
import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6'); // BlockList also matches IPv4-mapped forms (::ffff:127.0.0.1)

/** True only for names and addresses that cannot be reached from another machine: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === 'localhost.') return true;
  const family = isIP(bare);
  if (family === 0) return false; // '' (every interface), or a name that may resolve to any address
  return LOOPBACK.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

export interface ExposureFacts {
  /** The host as configured (HOST). */
  host: string;
  port: number;
  /** The @connections endpoint, e.g. http://127.0.0.1:3001/local (its path is what others reach). */
  callbackUrl: string;
  /** CONNECT_AUTH, CONNECT_TOKEN or CONNECT_JWT_SECRET is set: $connect asks for a token. */
  connectAuth: boolean;
}

/** The multi-line warning for a non-loopback bind, or undefined when the host is loopback. */
export function exposureWarning({ host, port, callbackUrl, connectAuth }: ExposureFacts): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  const where = host === '' || host === '0.0.0.0' || host === '::' ? `every interface (${host || 'all'}), port ${port}` : `${host}, port ${port}`;
  return [
    `WARNING: wschat is listening on ${where}, not only on loopback.`,
    'Anyone who can reach this address and port can:',
    `  - use the @connections management API (${new URL(callbackUrl).pathname}/@connections/{id} on that port), with no signature check:`,
    '    POST a message to, GET the details (source IP, user agent) of, or DELETE (disconnect) any connection;',
    connectAuth
      ? '  - connect to the chat, with a token only (the $connect authorizer of CONNECT_AUTH, or CONNECT_TOKEN / CONNECT_JWT_SECRET);'
      : '  - connect to the chat as anyone: no $connect authorizer (set CONNECT_AUTH=jwt or token, or CONNECT_TOKEN, to require a token);',
    '  - fetch the browser client\'s static files.',
    'Unset HOST (default 127.0.0.1) unless that is what you want.',
  ].join('\n');
}
