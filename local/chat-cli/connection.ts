// The parts of `npm run chat`'s connection that are decisions, not I/O: where to connect, how long to
// wait before reconnecting, and what to say about a TLS failure.

/** API Gateway closes every connection after 2 hours: the client moves to a new one 5 minutes before. */
export const RECYCLE_AFTER_MS = (120 - 5) * 60 * 1000;

/** 1 s, doubling, at most 15 s: quick after a blip, gentle on a server that is down. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(1000 * 2 ** attempt, 15_000);
}

/** The URL to open: `url` with `?token=` when one is given; throws a readable message for anything but ws:/wss:. */
export function chatUrl(url: string, token: string | undefined): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a URL: ${url} (expected ws://HOST:PORT/ or wss://HOST/STAGE)`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new Error(`not a WebSocket URL: ${url} (expected ws:// or wss://)`);
  if (token !== undefined) parsed.searchParams.set('token', token);
  return parsed.toString();
}

// Node's (and so ws's) codes for a certificate it could not trust.
const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A hint for an error that is a certificate problem, else undefined. */
export function tlsHint(error: unknown): string | undefined {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  if (typeof code !== 'string' || !TLS_CODES.has(code)) return undefined;
  return `the server's certificate is not trusted (${code}): for \`npm start\`, run with NODE_EXTRA_CA_CERTS=.wschat/tls/ca.pem (its local CA); otherwise the CA that signed the server's certificate`;
}
