// Getting events to people: replies to one connection, broadcasts to a room, a room's history, and
// the clean-up of connections whose socket answered 410 (removing one announces its leave).
import {
  chatError,
  errorEvent,
  historyEvents,
  MAX_EVENT_BYTES,
  timestamp,
  type ServerEvent,
} from '../core/events.ts';
import { announcements, recipientFilter, type Audience } from '../core/rules.ts';
import { encodeEvent, EVENT_FORMATS, type EventFormat } from '../core/text-format.ts';
import type { Fanout } from '../fanout.ts';
import type { ChatContext } from './context.ts';

/** Who gets a reply: a connection, and the format it asked for. */
export interface Recipient {
  readonly connectionId: string;
  readonly format: EventFormat;
}

export interface Delivery {
  /** The bytes of an event in `format`; throws (a bug, never silent) if it is over API Gateway's message size. */
  encode(event: ServerEvent, format: EventFormat): Uint8Array;
  /** One event to one connection; a 413 is answered with TOO_LARGE rather than silence. */
  reply(fanout: Fanout, to: Recipient, event: ServerEvent): Promise<void>;
  /** One event to every member of `room` who should get it (serialised once); cleans up any that are gone. */
  broadcast(fanout: Fanout, room: string, event: ServerEvent, audience: Audience, exclude?: string): Promise<void>;
  /** A room's recent messages to one connection in as few `history` events as fit; `always` even if none. */
  sendHistory(fanout: Fanout, to: Recipient, room: string, limit: number, always?: boolean): Promise<void>;
  /**
   * Deletes the connection (with `connectedBefore`, only one older than that), frees its nickname, counts
   * it out of its room and announces its leave there. False when there was nothing (left) to remove.
   */
  removeConnection(fanout: Fanout, connectionId: string, connectedBefore?: number): Promise<boolean>;
  /** Removes a connection whose socket answered 410, unless it may still be inside its `$connect`. */
  evictIfGone(fanout: Fanout, connectionId: string): Promise<void>;
}

export function systemEvent(text: string, room: string): ServerEvent {
  return { type: 'system', at: timestamp(), room, text };
}

export function createDelivery({ store, log, clock, connectGraceMs, metrics }: ChatContext): Delivery {
  function encode(event: ServerEvent, format: EventFormat): Uint8Array {
    const data = encodeEvent(event, format);
    // Every reply is bounded by construction; one that is not is a bug, and must fail loudly, not vanish.
    if (data.byteLength > MAX_EVENT_BYTES) throw new Error(`a ${event.type} event of ${data.byteLength} bytes is over ${MAX_EVENT_BYTES}`);
    return data;
  }

  async function reply(fanout: Fanout, to: Recipient, event: ServerEvent): Promise<void> {
    const outcome = await fanout.post(to.connectionId, encode(event, to.format));
    if (outcome === 'too-large') {
      // API Gateway's limit may be lower than ours (a custom stage setting): say so rather than go silent.
      const tooLarge = chatError('TOO_LARGE', `The ${event.type} reply was too large to deliver.`);
      await fanout.post(to.connectionId, encode(errorEvent(tooLarge), to.format));
    }
  }

  async function broadcast(fanout: Fanout, room: string, event: ServerEvent, audience: Audience, exclude?: string): Promise<void> {
    // Serialised once per format among the recipients, not per recipient.
    const encoded = new Map<EventFormat, Uint8Array>();
    const bytesIn = (format: EventFormat): Uint8Array => {
      let data = encoded.get(format);
      if (!data) encoded.set(format, (data = encode(event, format)));
      return data;
    };
    const accepts = recipientFilter(audience);
    const started = clock();
    let recipientCount = 0;
    const deliveries = [];
    // Post each page while the next one is read; the fan-out's bound limits posts in flight.
    for await (const page of store.members(room)) {
      const recipients = page.filter((member) => accepts(member) && member.connectionId !== exclude);
      recipientCount += recipients.length;
      for (const format of EVENT_FORMATS) {
        const ids = recipients.filter((member) => member.format === format).map((member) => member.connectionId);
        if (ids.length) deliveries.push(fanout.postToAll(ids, bytesIn(format)));
      }
    }
    const gone = (await Promise.all(deliveries)).flatMap((result) => result.gone);
    // Per broadcast, so the maximum shows a room nearing what one invocation can post to.
    if (recipientCount > 0) {
      metrics.record('recipients', recipientCount);
      metrics.record('fanoutDuration', clock() - started);
    }
    // The event went out: cleaning up after it must not fail the sender's frame (who would resend it).
    const evictions = await Promise.allSettled(gone.map((connectionId) => evictIfGone(fanout, connectionId)));
    for (const eviction of evictions) {
      if (eviction.status === 'rejected') log.warn('removing a gone connection failed', { error: String(eviction.reason) });
    }
  }

  async function removeConnection(fanout: Fanout, connectionId: string, connectedBefore?: number): Promise<boolean> {
    const removed = await store.deleteConnection(connectionId, connectedBefore);
    if (!removed) return false;
    if (removed.nicknameKey) await store.releaseClaim(removed.nicknameKey, removed.connectionId);
    if (removed.room) await store.leaveRoom(removed.room);
    if (removed.nickname && removed.room) {
      await broadcast(fanout, removed.room, systemEvent(announcements.left(removed.nickname), removed.room), 'system');
    }
    return true;
  }

  async function evictIfGone(fanout: Fanout, connectionId: string): Promise<void> {
    if (await removeConnection(fanout, connectionId, clock() - connectGraceMs)) log.info('removed a gone connection', { connectionId });
  }

  async function sendHistory(fanout: Fanout, to: Recipient, room: string, limit: number, always = false): Promise<void> {
    const messages = (await store.history(room, limit)).map((entry) => ({ at: entry.sentAt, room, from: entry.from, text: entry.text }));
    // Batched by the size in the recipient's format (text escapes control characters, JSON others).
    const size = (event: ServerEvent) => encodeEvent(event, to.format).byteLength;
    const events = historyEvents(room, messages, timestamp(), size);
    if (events.length === 0 && always) events.push({ type: 'history', at: timestamp(), room, messages: [] });
    // One at a time: posts in parallel could arrive out of order.
    for (const event of events) await reply(fanout, to, event);
  }

  return { encode, reply, broadcast, sendHistory, removeConnection, evictIfGone };
}
