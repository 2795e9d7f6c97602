// Checks a request's SigV4 signature as AWS would: recomputed by the SDK's own signer
// (@smithy/signature-v4) from what arrived, over the headers it says it signed, at its own date.
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { expect } from 'vitest';
import { NodeSha256 } from '../../functions/aws-signing.ts';

export interface ArrivedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Signer {
  service: string;
  region: string;
  credentials: AwsCredentialIdentity;
  /** Where the request was sent (protocol, host and port are part of what is signed). */
  endpoint: string;
}

export async function verifySignature(request: ArrivedRequest, expected: Signer): Promise<void> {
  const authorization = String(request.headers.authorization);
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!match) throw new Error(`not a SigV4 Authorization header: ${authorization}`);
  const [, accessKeyId, , region, service, signedHeaders = '', signature] = match;
  expect({ accessKeyId, region, service }).toEqual({ accessKeyId: expected.credentials.accessKeyId, region: expected.region, service: expected.service });
  const headers = Object.fromEntries(signedHeaders.split(';').map((name) => [name, String(request.headers[name])]));
  const signer = new SignatureV4({ service: expected.service, region: expected.region, credentials: expected.credentials, sha256: NodeSha256, applyChecksum: false });
  const date = String(request.headers['x-amz-date']).replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z');
  const url = new URL(expected.endpoint);
  const again = await signer.sign(
    { method: request.method, protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: request.path, query: {}, headers, body: request.body },
    { signingDate: new Date(date), signableHeaders: new Set(signedHeaders.split(';')) },
  );
  expect(String(again.headers.authorization)).toContain(`Signature=${signature}`);
}
