// Two references that isolate the posting from everything else a broadcast does. Neither touches
// DynamoDB: the recipients are the gateway's open connections, the event is built in the handler.
// - `sdk-posts`: the SDK's PostToConnectionCommand on one client reused across invocations, on a
//   keep-alive pool, FANOUT_CONCURRENCY (64) in flight: the naive pattern's posting done well. Against
//   naive it shows what the Scan and the per-invocation client cost; against ours, what the SDK's
//   command path costs per post.
// - `sdk-unbounded`: the same, with every post started at once (`Promise.all`, no bound), as the naive
//   pattern does: against sdk-posts it isolates the bound, against naive everything else naive does (its
//   Scan and its new client, with the SDK's default agent of 50 sockets, per invocation).
// - `bare-posts`: one unsigned keep-alive POST @connections per recipient through the same gateway, 64
//   in flight: what any design that posts through API Gateway's @connections cannot avoid (the fair
//   floor for ours, unlike the raw-ws one, which skips API Gateway altogether).
import { Agent as HttpAgent, request } from 'node:http';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import pLimit from 'p-limit';
import { encodePathSegment } from '../../functions/connection-poster.ts';
import { LOBBY } from '../../functions/core/room.ts';
import type { WebSocketEvent, WebSocketResult } from '../../functions/websocket-event.ts';

export interface PostHandlerOptions {
  callbackUrl: string;
  concurrency: number;
  /** Who is connected now (every client is a recipient, the sender too). */
  connectionIds: () => readonly string[];
}

type Handler = (event: WebSocketEvent) => Promise<WebSocketResult>;

/** A handler and the end of its keep-alive sockets (the gateway's close waits for open ones). */
export interface PostHandler {
  handle: Handler;
  close(): void;
}

/** The same `message` event ours and naive deliver, from the sender's nickname as logged in (u0). */
function eventFor(event: WebSocketEvent): Buffer {
  const body = JSON.parse(event.body ?? '{}') as { text?: string };
  return Buffer.from(JSON.stringify({ type: 'message', at: new Date().toISOString(), room: LOBBY, from: 'u0', text: body.text ?? '' }));
}

/** `bounded: false`: every post started at once, on the same client and pool (sdk-unbounded). */
export function createSdkPostsHandler(options: PostHandlerOptions, bounded = true): PostHandler {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: options.concurrency });
  const client = new ApiGatewayManagementApiClient({ endpoint: options.callbackUrl, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpAgent: agent }) });
  const limit: (post: () => Promise<unknown>) => Promise<unknown> = bounded ? pLimit(options.concurrency) : (post) => post();
  return {
    async handle(event) {
      const data = eventFor(event);
      await Promise.all(options.connectionIds().map((id) => limit(() => client.send(new PostToConnectionCommand({ ConnectionId: id, Data: data })))));
      return { statusCode: 200 };
    },
    close: () => agent.destroy(),
  };
}

export function createBarePostsHandler(options: PostHandlerOptions): PostHandler {
  const url = new URL(options.callbackUrl);
  const agent = new HttpAgent({ keepAlive: true, maxSockets: options.concurrency });
  const limit = pLimit(options.concurrency);
  const stagePath = url.pathname.replace(/\/+$/, '');
  const post = (id: string, data: Buffer, length: string) =>
    new Promise<void>((resolve, reject) => {
      const outgoing = request(
        {
          agent,
          method: 'POST',
          hostname: url.hostname,
          port: url.port,
          path: `${stagePath}/@connections/${encodePathSegment(id)}`,
          headers: ['host', url.host, 'content-type', 'application/octet-stream', 'content-length', length], // a raw list: node adds no Host itself
        },
        (response) => {
          response.on('error', reject);
          response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${response.statusCode}`))));
          response.resume();
        },
      );
      outgoing.on('error', reject);
      outgoing.end(data);
    });
  return {
    async handle(event) {
      const data = eventFor(event);
      const length = String(data.byteLength);
      await Promise.all(options.connectionIds().map((id) => limit(() => post(id, data, length))));
      return { statusCode: 200 };
    },
    close: () => agent.destroy(),
  };
}
