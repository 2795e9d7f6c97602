// API Gateway's management API (@connections) for one endpoint, without the SDK's client: an SDK
// client's import and first call weigh on every cold start (`npm run bench`, "Lambda bundles").
// PostToConnection, one call per recipient, is connection-poster.ts, which signs by hand for its CPU.
// GetConnection and DeleteConnection are rare (a stale check, a close), so @smithy/signature-v4's own
// `sign` signs them, as the SDK's client does. All three share the keep-alive agents, the timeout, and
// the errors shaped like the SDK's service exceptions (`name`, `$metadata.httpStatusCode`), so the
// fan-out classifies them alike. test/management-api.test.ts requires the GET and DELETE the SDK's
// client sends for the same call.
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsSigning } from './aws-signing.ts';
import {
  abandon,
  connectionsTarget,
  createConnectionPoster,
  encodePathSegment,
  POST_TIMEOUT_MS,
  SERVICE,
  settle,
} from './connection-poster.ts';

export interface ManagementApi {
  /** POST @connections/{id}: see connection-poster.ts. */
  postToConnection(connectionId: string, data: Uint8Array): Promise<void>;
  /** GET @connections/{id}: resolves while the connection is open (its details are not read), throws a ConnectionsApiError otherwise. */
  getConnection(connectionId: string): Promise<void>;
  /** DELETE @connections/{id}: API Gateway closes the socket; throws a ConnectionsApiError (410 when gone already). */
  deleteConnection(connectionId: string): Promise<void>;
}

export function createManagementApi(awsSigning: AwsSigning, endpoint: string, agents: { http: HttpAgent; https: HttpsAgent }): ManagementApi {
  const poster = createConnectionPoster(awsSigning, endpoint, agents);
  const { url, send, agent, port, host, stagePath } = connectionsTarget(endpoint, agents);
  const signer = new SignatureV4({ service: SERVICE, region: awsSigning.region, credentials: awsSigning.credentials, sha256: awsSigning.sha256 });

  async function call(method: 'GET' | 'DELETE', connectionId: string): Promise<void> {
    const path = `${stagePath}/@connections/${encodePathSegment(connectionId)}`;
    // The signer adds x-amz-date, x-amz-content-sha256 (of no body), the session token and Authorization.
    const signed = await signer.sign({ method, protocol: url.protocol, hostname: url.hostname, ...(port ? { port } : {}), path, query: {}, headers: { host } });
    return new Promise<void>((resolve, reject) => {
      const outgoing = send({ agent, method, hostname: url.hostname, port, path, headers: signed.headers, timeout: POST_TIMEOUT_MS }, (response) =>
        settle(response, resolve, reject),
      );
      outgoing.on('error', reject);
      outgoing.on('timeout', abandon);
      outgoing.end();
    });
  }

  return {
    postToConnection: poster.post,
    getConnection: (connectionId) => call('GET', connectionId),
    deleteConnection: (connectionId) => call('DELETE', connectionId),
  };
}
