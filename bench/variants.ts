// What the sender sends for each variant. Every variant delivers the same bytes to each recipient
// (a `message` event of the same shape and size), tagged so the clients can tell broadcasts apart.
import { LOBBY } from '../functions/core/room.ts';

export type VariantName = 'ours' | 'naive' | 'naive-sample' | 'floor' | `split-${number}`;

export interface Variant {
  name: VariantName;
  /** Where it runs: the gateway with the handlers, or the bare floor server. */
  server: 'gateway' | 'floor';
  /** The frame the sender sends for the broadcast tagged `tag`. */
  frame(tag: string): string;
}

const text = (tag: string) => `benchmark broadcast ${tag}`;
const messageEvent = (tag: string) =>
  JSON.stringify({ type: 'message', at: new Date().toISOString(), room: LOBBY, from: 'u0', text: text(tag) });

export const VARIANTS: Record<'ours' | 'naive' | 'naive-sample' | 'floor', Variant> = {
  ours: { name: 'ours', server: 'gateway', frame: (tag) => JSON.stringify({ action: 'message', text: text(tag) }) },
  naive: { name: 'naive', server: 'gateway', frame: (tag) => JSON.stringify({ action: 'naive', text: text(tag) }) },
  // The sample posts its `data` verbatim: the sender supplies the finished event.
  'naive-sample': { name: 'naive-sample', server: 'gateway', frame: (tag) => JSON.stringify({ action: 'naive-sample', data: messageEvent(tag) }) },
  floor: { name: 'floor', server: 'floor', frame: messageEvent },
};

export function splitVariant(workers: number): Variant {
  return { name: `split-${workers}`, server: 'gateway', frame: (tag) => JSON.stringify({ action: `split-${workers}`, text: text(tag) }) };
}
