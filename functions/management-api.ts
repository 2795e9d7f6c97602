// API Gateway's management API (@connections) for one endpoint, without the SDK's client: an SDK
// client's import and first call weigh on every cold start (`npm run bench`, "Lambda bundles").
// PostToConnection, one call per recipient, is connection-poster.ts, which signs by hand for its CPU.
// GetConnection and DeleteConnection are rare (a stale check, a close), so @smithy/signature-v4's own
// `sign` signs them, as the SDK's client does. All three share the keep-alive sockets (keep-alive-http.ts), the timeout, and
// the errors shaped like the SDK's service exceptions (`name`, `$metadata.httpStatusCode`), so the
// fan-out classifies them alike. test/management-api.test.ts requires the GET and DELETE the SDK's
// client sends for the same call.
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsSigning } from './aws-signing.ts';
import { accepted, connectionsTarget, createConnectionPoster, encodePathSegment, SERVICE } from './connection-poster.ts';
import type { KeepAliveHttp } from './keep-alive-http.ts';

export interface ManagementApi {
  /** POST @connections/{id}: see connection-poster.ts. */
  postToConnection(connectionId: string, data: Uint8Array): Promise<void>;
  /** GET @connections/{id}: resolves while the connection is open (its details are not read), throws a ConnectionsApiError otherwise. */
  getConnection(connectionId: string): Promise<void>;
  /** DELETE @connections/{id}: API Gateway closes the socket; throws a ConnectionsApiError (410 when gone already). */
  deleteConnection(connectionId: string): Promise<void>;
}

/** `http`: the endpoint's keep-alive sockets (createKeepAliveHttp with POST_TIMEOUT_MS). */
export function createManagementApi(awsSigning: AwsSigning, endpoint: string, http: KeepAliveHttp): ManagementApi {
  const poster = createConnectionPoster(awsSigning, endpoint, http);
  const { url, host, stagePath } = connectionsTarget(endpoint);
  const port = url.port ? Number(url.port) : undefined;
  const signer = new SignatureV4({ service: SERVICE, region: awsSigning.region, credentials: awsSigning.credentials, sha256: awsSigning.sha256 });

  async function call(method: 'GET' | 'DELETE', connectionId: string): Promise<void> {
    const path = `${stagePath}/@connections/${encodePathSegment(connectionId)}`;
    // The signer adds x-amz-date, x-amz-content-sha256 (of no body), the session token and Authorization.
    const signed = await signer.sign({ method, protocol: url.protocol, hostname: url.hostname, ...(port ? { port } : {}), path, query: {}, headers: { host } });
    const headers = Object.entries(signed.headers).flat();
    return http.request({ method, path, headers }).then(accepted);
  }

  return {
    postToConnection: poster.post,
    getConnection: (connectionId) => call('GET', connectionId),
    deleteConnection: (connectionId) => call('DELETE', connectionId),
  };
}
