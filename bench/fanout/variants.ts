// What the sender sends for each variant. Every variant delivers the same bytes to each recipient
// (a `message` event of the same shape and size), tagged so the clients can tell broadcasts apart.
import { LOBBY } from '../../functions/core/room.ts';

export type VariantName = 'ours' | 'naive' | 'naive-sample' | 'naive-bounded' | 'sdk-posts' | 'sdk-unbounded' | 'bare-posts' | 'raw-ws' | `split-${number}`;

export interface Variant {
  name: VariantName;
  /** Where it runs: the gateway with the handlers, or a bare WebSocket server (bench/fanout/raw-ws-floor.ts). */
  server: 'gateway' | 'raw-ws';
  /** The frame the sender sends for the broadcast tagged `tag`. */
  frame(tag: string): string;
}

const text = (tag: string) => `benchmark broadcast ${tag}`;
const messageEvent = (tag: string) =>
  JSON.stringify({ type: 'message', at: new Date().toISOString(), room: LOBBY, from: 'u0', text: text(tag) });

export const VARIANTS: Record<Exclude<VariantName, `split-${number}`>, Variant> = {
  ours: { name: 'ours', server: 'gateway', frame: (tag) => JSON.stringify({ action: 'message', text: text(tag) }) },
  naive: { name: 'naive', server: 'gateway', frame: (tag) => JSON.stringify({ action: 'naive', text: text(tag) }) },
  // The sample posts its `data` verbatim: the sender supplies the finished event.
  'naive-sample': { name: 'naive-sample', server: 'gateway', frame: (tag) => JSON.stringify({ action: 'naive-sample', data: messageEvent(tag) }) },
  // naive with at most 64 posts in flight (bench/fanout/naive-handler.ts).
  'naive-bounded': { name: 'naive-bounded', server: 'gateway', frame: (tag) => JSON.stringify({ action: 'naive-bounded', text: text(tag) }) },
  // No DynamoDB, the gateway's connections as recipients (bench/fanout/post-handlers.ts).
  'sdk-posts': { name: 'sdk-posts', server: 'gateway', frame: (tag) => JSON.stringify({ action: 'sdk-posts', text: text(tag) }) },
  'sdk-unbounded': { name: 'sdk-unbounded', server: 'gateway', frame: (tag) => JSON.stringify({ action: 'sdk-unbounded', text: text(tag) }) },
  'bare-posts': { name: 'bare-posts', server: 'gateway', frame: (tag) => JSON.stringify({ action: 'bare-posts', text: text(tag) }) },
  // Not API Gateway at all: a WebSocket server writing the frame to its sockets (another architecture's floor).
  'raw-ws': { name: 'raw-ws', server: 'raw-ws', frame: messageEvent },
};

export function splitVariant(workers: number): Variant {
  return { name: `split-${workers}`, server: 'gateway', frame: (tag) => JSON.stringify({ action: `split-${workers}`, text: text(tag) }) };
}
