// What every signed AWS request of a container signs with: credentials, Region and a SHA-256, in the
// shape an SDK v3 client's resolved config has them (so a test can hand over `client.config`).
//
// On Lambda the runtime puts the function role's credentials and the Region in the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION), for the life of the
// execution environment; local runs set the same variables (local/aws-env.ts). Reading them here is
// what the SDK's default credential chain ends up doing on Lambda, without the chain's other providers
// (profiles, SSO, STS, IMDS), which were ~90 KiB of every bundle and ran on every cold start.
import { createHash, createHmac, hash, type BinaryLike, type Hash, type Hmac } from 'node:crypto';
import type { AwsCredentialIdentity, Checksum, ChecksumConstructor, HashConstructor, SourceData } from '@smithy/types';

export type AwsCredentials = AwsCredentialIdentity;

export interface AwsSigning {
  credentials(): Promise<AwsCredentials>;
  region(): Promise<string>;
  /** SHA-256, or HMAC-SHA-256 when given a key, as the SDK's signer takes it. */
  sha256: ChecksumConstructor | HashConstructor;
}

/** node:crypto's SHA-256 and HMAC-SHA-256 behind the SDK's Checksum interface. */
export class NodeSha256 implements Checksum {
  private readonly key: BinaryLike | undefined;
  private hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.key = typeof secret === 'string' || secret === undefined ? secret : secret instanceof ArrayBuffer ? new Uint8Array(secret) : new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength);
    this.hash = NodeSha256.start(this.key);
  }

  update(data: Uint8Array | string): void {
    this.hash.update(data);
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }

  reset(): void {
    this.hash = NodeSha256.start(this.key);
  }

  private static start(secret: BinaryLike | undefined): Hash | Hmac {
    return secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
}

const VARIABLES = { accessKeyId: 'AWS_ACCESS_KEY_ID', secretAccessKey: 'AWS_SECRET_ACCESS_KEY', sessionToken: 'AWS_SESSION_TOKEN', region: 'AWS_REGION' } as const;

/**
 * The signing identity the environment names. Throws, naming the variable, when the credentials or the
 * Region are missing: checked once, when the container is built, not on its first request.
 */
export function signingFromEnvironment(env: Readonly<Record<string, string | undefined>>): AwsSigning {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set: a Lambda has it from its runtime, a local run from local/aws-env.ts`);
    return value;
  };
  const accessKeyId = required(VARIABLES.accessKeyId);
  const secretAccessKey = required(VARIABLES.secretAccessKey);
  const sessionToken = env[VARIABLES.sessionToken] || undefined;
  const region = required(VARIABLES.region);
  const credentials: AwsCredentials = sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
  return { credentials: () => Promise.resolve(credentials), region: () => Promise.resolve(region), sha256: NodeSha256 };
}

// The pieces of a SigV4 signature that every hand-written signer here writes the same way
// (connection-poster.ts, store/dynamodb-http.ts); the keys come from @smithy/signature-v4's getSigningKey.

/** The algorithm named in every string to sign and Authorization header. */
export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

/**
 * The hex signature of a canonical request: the HMAC, under the derived signing key, of the string to
 * sign. The canonical request's digest is one `crypto.hash` call (≈0.6 µs less per request here than
 * `createHash().update().digest()`, which builds a Hash object for one use).
 */
export function sigv4Signature(key: Uint8Array, date: string, scope: string, canonicalRequest: string): string {
  const stringToSign = `${SIGV4_ALGORITHM}\n${date}\n${scope}\n${hash('sha256', canonicalRequest, 'hex')}`;
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

/** SigV4's date of an epoch-ms instant, `20261201T235959Z`; its first 8 characters are the scope's day. */
export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
}

/** A header value as SigV4 canonicalizes it (and @smithy/signature-v4 does): trimmed, runs of spaces folded. */
export function canonicalHeaderValue(value: string): string {
  return value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

/** Compared by value: a provider may hand out a new object with the same keys (a derived key still holds). */
export function sameCredentials(a: AwsCredentials, b: AwsCredentials): boolean {
  return a.accessKeyId === b.accessKeyId && a.secretAccessKey === b.secretAccessKey && a.sessionToken === b.sessionToken;
}
