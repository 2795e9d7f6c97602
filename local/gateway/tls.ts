// TLS for the gateway's port: a local CA and a server certificate signed by it, made on first start and
// kept in a state folder (reused while valid), and trust in that CA for the handlers the gateway runs.
//
// Certificates come from the `openssl` command line rather than an npm package: it is on every Linux
// and macOS machine and in Git for Windows, adds no dependency to the project (no crypto code of a
// third party in the tree), and its output is the standard PEM any client reads. Without it the
// gateway fails at start-up, saying so, and runs fine with TLS off.
import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LocalCertificates {
  /** The CA certificate clients trust (NODE_EXTRA_CA_CERTS=<this>). */
  caPath: string;
  caPem: string;
  keyPem: string;
  certPem: string;
}

const CA_DAYS = 3650;
/** Below Apple's 825-day ceiling for server certificates, so macOS clients accept it too. */
const SERVER_DAYS = 825;
/** Renewed once it has less than this left, so a long session never sees it expire. */
const RENEW_BEFORE_MS = 7 * 24 * 60 * 60_000;

/** The names a server certificate for `host` must cover: loopback, and the host itself when it is a name or address. */
export function certificateNames(host: string): string[] {
  const names = new Set(['localhost', '127.0.0.1', '::1']);
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare !== '0.0.0.0' && bare !== '::') names.add(bare);
  return [...names];
}

/** Setting up TLS failed (e.g. no `openssl`): callers may carry on without TLS. */
export class TlsSetupError extends Error {
  override readonly name = 'TlsSetupError';
}

/** The CA and server certificate in `dir`, made (or the server one renewed) when missing, expired or not covering `names`. */
export async function ensureLocalCertificates(dir: string, names: readonly string[]): Promise<LocalCertificates> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Two gateways starting at once (npm start twice, parallel test processes) must not mix two CAs' files.
  const unlock = await lock(join(dir, '.lock'));
  try {
    return await ensureLocked(dir, names);
  } finally {
    await unlock();
  }
}

const LOCK_STALE_MS = 30_000;

async function lock(path: string): Promise<() => Promise<void>> {
  for (let waited = 0; ; waited += 50) {
    try {
      const handle = await open(path, 'wx');
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
      const age = Date.now() - (await stat(path).then((info) => info.mtimeMs, () => Date.now()));
      if (age > LOCK_STALE_MS || waited > LOCK_STALE_MS) await rm(path, { force: true }); // left by a crash
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function ensureLocked(dir: string, names: readonly string[]): Promise<LocalCertificates> {
  const paths = { ca: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server-key.pem') };
  let ca = await readValid(paths.ca, paths.caKey, (cert) => cert.ca);
  if (!ca) {
    await makeCa(dir, paths.ca, paths.caKey);
    ca = await readValid(paths.ca, paths.caKey, (cert) => cert.ca);
    if (!ca) throw new TlsSetupError(`local gateway: could not make a CA in ${dir}`);
  }
  const caCert = new X509Certificate(ca.pem);
  const fits = (cert: X509Certificate) => !cert.ca && cert.checkIssued(caCert) && cert.verify(caCert.publicKey) && names.every((name) => covers(cert, name));
  let server = await readValid(paths.cert, paths.key, fits);
  if (!server) {
    await makeServerCertificate(dir, paths, names);
    server = await readValid(paths.cert, paths.key, fits);
    if (!server) throw new TlsSetupError(`local gateway: could not make a server certificate in ${dir}`);
  }
  return { caPath: paths.ca, caPem: ca.pem, keyPem: server.key, certPem: server.pem };
}

async function readValid(certPath: string, keyPath: string, accept: (cert: X509Certificate) => boolean): Promise<{ pem: string; key: string } | undefined> {
  try {
    const [pem, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    const cert = new X509Certificate(pem);
    if (Date.parse(cert.validTo) - Date.now() < RENEW_BEFORE_MS || Date.parse(cert.validFrom) > Date.now()) return undefined;
    if (!cert.checkPrivateKey(createPrivateKey(key)) || !accept(cert)) return undefined;
    return { pem, key };
  } catch {
    return undefined; // missing or unreadable: made anew
  }
}

function covers(cert: X509Certificate, name: string): boolean {
  return isIP(name) ? cert.checkIP(name) !== undefined : cert.checkHost(name) !== undefined;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const missing = error instanceof Error && 'code' in error && error.code === 'ENOENT';
    throw new TlsSetupError(missing ? 'local gateway: TLS needs the `openssl` command to make its certificates; install it or turn tls off' : `local gateway: openssl ${args[0] ?? ''} failed: ${String(error)}`);
  }
}

/** Files are written to a temporary folder and renamed into place, so a crash never leaves half a pair. */
async function inTemporary(dir: string, make: (tmp: string) => Promise<Array<[string, string]>>): Promise<void> {
  const tmp = await mkdtemp(join(dir, 'tmp-'));
  try {
    for (const [from, to] of await make(tmp)) await rename(from, to);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function makeCa(dir: string, caPath: string, caKeyPath: string): Promise<void> {
  await inTemporary(dir, async (tmp) => {
    const [cert, key] = [join(tmp, 'ca.pem'), join(tmp, 'ca-key.pem')];
    await openssl([
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
      '-days', String(CA_DAYS), '-subj', `/CN=wschat local gateway CA ${randomBytes(4).toString('hex')}`,
      '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    return [[key, caKeyPath], [cert, caPath]];
  });
}

async function makeServerCertificate(dir: string, paths: { ca: string; caKey: string; cert: string; key: string }, names: readonly string[]): Promise<void> {
  await inTemporary(dir, async (tmp) => {
    const [csr, cert, key, ext] = [join(tmp, 'server.csr'), join(tmp, 'server.pem'), join(tmp, 'server-key.pem'), join(tmp, 'ext.cnf')];
    const altNames = names.map((name) => (isIP(name) ? `IP:${name}` : `DNS:${name}`)).join(',');
    await writeFile(ext, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${altNames}\n`);
    await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=localhost']);
    await openssl([
      'x509', '-req', '-in', csr, '-CA', paths.ca, '-CAkey', paths.caKey, '-set_serial', `0x${randomBytes(16).toString('hex')}`,
      '-days', String(SERVER_DAYS), '-extfile', ext, '-out', cert,
    ]);
    return [[key, paths.key], [cert, paths.cert]];
  });
}

// --- trust for in-process handlers ------------------------------------------------------------------
// Handlers build `https://${domainName}/${stage}` and an SDK v3 client, whose NodeHttpHandler makes its
// own https.Agent (so https.globalAgent options do not reach it) and connects through tls.connect.
// NODE_EXTRA_CA_CERTS is read only at process start and tls.setDefaultCACertificates needs Node 22.15+,
// so instead tls.connect is wrapped: a connection to a gateway's own port, on a name its certificate
// covers, that brings no `ca` or secureContext of its own, trusts that gateway's CA. Nothing else
// changes. fetch() (undici) does not go through tls.connect: it needs NODE_EXTRA_CA_CERTS.

interface TrustedGateway {
  port: number;
  names: ReadonlySet<string>;
  caPem: string;
  /** The API's id: `https://{apiId}.execute-api.{region}.amazonaws.com` (port 443) is sent to this gateway. */
  apiId: string;
  /** Where the gateway listens, for those redirected connections. */
  connectHost: string;
}

const trusted = new Set<TrustedGateway>();
let originalConnect: typeof tls.connect | undefined;

export interface GatewayTrust {
  port: number;
  /** The names the gateway's certificate covers. */
  names: readonly string[];
  caPem: string;
  apiId: string;
  /** The address the gateway listens on (a wildcard address is reached on loopback). */
  host: string;
}

/**
 * Makes the handlers in this process trust the gateway's CA, and sends their connections to the API's
 * AWS host name (`{apiId}.execute-api.{region}.amazonaws.com:443`, hard-coded by some handlers) to the
 * gateway. Returns the undo.
 */
export function trustGatewayCa({ port, names, caPem, apiId, host }: GatewayTrust): () => void {
  const connectHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const entry: TrustedGateway = { port, names: new Set(names), caPem, apiId, connectHost };
  trusted.add(entry);
  if (!originalConnect) {
    const original = tls.connect;
    originalConnect = original;
    // defineProperty: the module object's property is writable, but TypeScript types it as read-only.
    Object.defineProperty(tls, 'connect', {
      configurable: true,
      writable: true,
      value: function connectTrustingGateways(this: unknown, ...args: unknown[]): unknown {
        const options = gatewayOptionsFor(args[0]);
        if (options) args[0] = options;
        return Reflect.apply(original, this, args);
      },
    });
  }
  return () => {
    trusted.delete(entry);
    if (trusted.size === 0 && originalConnect) {
      Object.defineProperty(tls, 'connect', { configurable: true, writable: true, value: originalConnect });
      originalConnect = undefined;
    }
  };
}

/**
 * The options a tls.connect(options) call goes out with: with the gateway's CA if it goes to a trusted
 * gateway; redirected to the gateway if it goes to that API's AWS host name; undefined = unchanged.
 */
function gatewayOptionsFor(options: unknown): object | undefined {
  if (typeof options !== 'object' || options === null) return undefined;
  if (('ca' in options && options.ca !== undefined) || ('secureContext' in options && options.secureContext !== undefined)) return undefined;
  const port = 'port' in options && options.port !== undefined ? Number(options.port) : 443;
  const host = 'host' in options && typeof options.host === 'string' ? options.host.replace(/^\[|\]$/g, '') : 'localhost';
  for (const entry of trusted) {
    if (entry.port === port && entry.names.has(host)) return { ...options, ca: entry.caPem };
    if (port === 443 && isAwsHostOf(entry.apiId, host)) {
      // servername: a name the certificate covers (the request's Host header still says the AWS name).
      return { ...options, host: entry.connectHost, port: entry.port, servername: 'localhost', ca: entry.caPem };
    }
  }
  return undefined;
}

/** `{apiId}.execute-api.{region}.amazonaws.com`, any region (one DNS label), case-insensitive as DNS is. */
function isAwsHostOf(apiId: string, host: string): boolean {
  const prefix = `${apiId}.execute-api.`.toLowerCase();
  const suffix = '.amazonaws.com';
  const name = host.toLowerCase();
  if (!name.startsWith(prefix) || !name.endsWith(suffix)) return false;
  return /^[a-z0-9-]+$/.test(name.slice(prefix.length, name.length - suffix.length));
}
