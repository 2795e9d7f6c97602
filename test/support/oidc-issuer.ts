// A real OIDC issuer on loopback for sign-in tests: its discovery document and its JWKS over HTTP, keys
// made with `jose`, tokens signed with them. Keys can be added and retired while it runs (rotation),
// and it counts how often its keys were fetched.
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { onTestFinished } from 'vitest';
import { closeNow, listenOnLoopback } from '../../local/listening.ts';

export type SigningAlg = 'RS256' | 'ES256';

interface IssuerKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export class OidcIssuer {
  /** GET /jwks.json requests served so far. */
  jwksFetches = 0;
  private readonly keys = new Map<string, IssuerKey>();

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
  ) {}

  static async start(): Promise<OidcIssuer> {
    const started: { issuer?: OidcIssuer } = {};
    const server = createServer((req, res) => {
      const body = started.issuer?.answer(req.url ?? '/');
      res.writeHead(body ? 200 : 404, { 'Content-Type': 'application/json' });
      res.end(body ?? '{}');
    });
    started.issuer = new OidcIssuer(server, await listenOnLoopback(server));
    return started.issuer;
  }

  get jwksUrl(): string {
    return `${this.issuer}/jwks.json`;
  }

  /** Publishes a new key pair; returns its kid. */
  async addKey(alg: SigningAlg, kid: string): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    this.keys.set(kid, { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } });
    return kid;
  }

  /** Stops publishing a key (tokens it signed can no longer be checked). */
  retireKey(kid: string): void {
    this.keys.delete(kid);
  }

  publicJwk(kid: string): JWK {
    return this.key(kid).publicJwk;
  }

  /** A token signed with `kid`; `iss` is this issuer, `iat` now and `exp` in 5 min unless `claims` say otherwise. */
  sign(kid: string, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
    const key = this.key(kid);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: this.issuer, iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ alg: key.alg, kid, typ: 'JWT', ...header })
      .sign(key.privateKey);
  }

  close(): Promise<void> {
    return closeNow(this.server);
  }

  private key(kid: string): IssuerKey {
    const key = this.keys.get(kid);
    if (!key) throw new Error(`no key ${kid}`);
    return key;
  }

  private answer(url: string): string | undefined {
    if (url === '/.well-known/openid-configuration') {
      return JSON.stringify({ issuer: this.issuer, jwks_uri: this.jwksUrl, id_token_signing_alg_values_supported: ['RS256', 'ES256'] });
    }
    if (url === '/jwks.json') {
      this.jwksFetches += 1;
      return JSON.stringify({ keys: [...this.keys.values()].map((key) => key.publicJwk) });
    }
    return undefined;
  }
}

/** An issuer stopped when the test ends. */
export async function startTestIssuer(): Promise<OidcIssuer> {
  const issuer = await OidcIssuer.start();
  onTestFinished(() => issuer.close());
  return issuer;
}
