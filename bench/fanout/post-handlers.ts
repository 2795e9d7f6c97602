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
//   in flight, on ours' own transport and bound (functions/keep-alive-http.ts, functions/bound.ts): what
//   any design that posts through API Gateway's @connections cannot avoid (the fair floor for ours,
//   unlike the raw-ws one, which skips API Gateway altogether). Against it, ours shows what signing,
//   DynamoDB and the chat's code add; the transport itself is measured apart (bench/probes/post-cpu.ts:
//   an unsigned POST through node:http and through keep-alive-http).
import { Agent as HttpAgent } from 'node:http';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import pLimit from 'p-limit';
import { createBound } from '../../functions/bound.ts';
import { encodePathSegment, POST_TIMEOUT_MS } from '../../functions/connection-poster.ts';
import { LOBBY } from '../../functions/core/room.ts';
import { createKeepAliveHttp } from '../../functions/keep-alive-http.ts';
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
  const http = createKeepAliveHttp(options.callbackUrl, { maxSockets: options.concurrency, timeoutMs: POST_TIMEOUT_MS });
  const bound = createBound(options.concurrency);
  const stagePath = url.pathname.replace(/\/+$/, '');
  const post = async (id: string, body: string, length: string) => {
    const headers = ['host', url.host, 'content-type', 'application/octet-stream', 'content-length', length];
    const answer = await http.request({ method: 'POST', path: `${stagePath}/@connections/${encodePathSegment(id)}`, headers, body, encoding: 'latin1' });
    if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
  };
  return {
    async handle(event) {
      const data = eventFor(event);
      const body = data.toString('latin1');
      const length = String(data.byteLength);
      await Promise.all(options.connectionIds().map((id) => bound(() => post(id, body, length))));
      return { statusCode: 200 };
    },
    close: () => http.destroy(),
  };
}
