// Fan-out through API Gateway's management API (`postToConnection`). One client per endpoint per
// container, keep-alive sockets, a bound on posts in flight. A 410 is reported back to the caller
// (which removes the connection); other failures are logged and counted, never thrown at the sender.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
  GetConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from './log.ts';

export type PostOutcome = 'delivered' | 'gone' | 'failed';

export interface FanoutResult {
  delivered: number;
  failed: number;
  /** Connection ids that answered 410 Gone: the caller cleans them up. */
  gone: string[];
}

export interface FanoutMetrics {
  posts: number;
  delivered: number;
  gone: number;
  failed: number;
}

export interface Gateway {
  readonly metrics: FanoutMetrics;
  post(connectionId: string, data: Uint8Array): Promise<PostOutcome>;
  /** Posts the same bytes to every id, at most `concurrency` in flight across all callers. */
  postToAll(connectionIds: readonly string[], data: Uint8Array): Promise<FanoutResult>;
  /** GET @connections/{id}: false only on a definite 410 (the socket is gone). */
  isConnected(connectionId: string): Promise<boolean>;
}

export interface GatewayOptions {
  endpoint: string;
  concurrency: number;
  log: Logger;
  region?: string;
}

export function createGateway(options: GatewayOptions): Gateway {
  const client = createManagementClient(options);
  const limit: LimitFunction = pLimit(options.concurrency);
  const metrics: FanoutMetrics = { posts: 0, delivered: 0, gone: 0, failed: 0 };
  const log = options.log;

  async function post(connectionId: string, data: Uint8Array): Promise<PostOutcome> {
    metrics.posts += 1;
    try {
      await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
      metrics.delivered += 1;
      return 'delivered';
    } catch (error) {
      if (isGone(error)) {
        metrics.gone += 1;
        return 'gone';
      }
      metrics.failed += 1;
      log.warn('postToConnection failed', { connectionId, error: describe(error) });
      return 'failed';
    }
  }

  return {
    metrics,
    post: (connectionId, data) => limit(() => post(connectionId, data)),

    async postToAll(connectionIds, data) {
      const outcomes = await Promise.all(connectionIds.map((id) => limit(() => post(id, data))));
      const result: FanoutResult = { delivered: 0, failed: 0, gone: [] };
      outcomes.forEach((outcome, index) => {
        if (outcome === 'delivered') result.delivered += 1;
        else if (outcome === 'failed') result.failed += 1;
        else result.gone.push(connectionIds[index] as string);
      });
      return result;
    },

    async isConnected(connectionId) {
      try {
        await client.send(new GetConnectionCommand({ ConnectionId: connectionId }));
        return true;
      } catch (error) {
        if (isGone(error)) return false;
        log.warn('getConnection failed', { connectionId, error: describe(error) });
        return true; // unsure: never evict a user on a non-answer
      }
    },
  };
}

function createManagementClient(options: GatewayOptions): ApiGatewayManagementApiClient {
  // One keep-alive pool sized to the fan-out bound: new TLS handshakes per post would dominate latency.
  const agentOptions = { keepAlive: true, maxSockets: options.concurrency };
  return new ApiGatewayManagementApiClient({
    endpoint: options.endpoint,
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    }),
  });
}

/** SDK v3 errors carry no `statusCode`; match by class, name, or HTTP status. */
export function isGone(error: unknown): boolean {
  if (error instanceof GoneException) return true;
  const candidate = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return candidate?.name === 'GoneException' || candidate?.$metadata?.httpStatusCode === 410;
}

function describe(error: unknown): Record<string, unknown> {
  const candidate = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | null;
  return { name: candidate?.name, message: candidate?.message, status: candidate?.$metadata?.httpStatusCode };
}
