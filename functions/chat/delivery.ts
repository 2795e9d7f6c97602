// Getting events to people: replies to one connection, room events (numbered, kept, broadcast), a
// room's history, and the clean-up of connections whose socket answered 410 (removing one announces
// its leave, after the resume grace when there is a way to wait: see later.ts).
import {
  chatError,
  errorEvent,
  historyEvents,
  MAX_EVENT_BYTES,
  timestamp,
  type RoomEvent,
  type ServerEvent,
  type UnnumberedRoomEvent,
} from '../core/events.ts';
import { announcements, recipientFilter, type Audience } from '../core/rules.ts';
import { encodeEvent, EVENT_FORMATS, type EventFormat } from '../core/text-format.ts';
import type { Fanout } from '../fanout.ts';
import type { ChatContext } from './context.ts';
import type { LeaveTask } from './later.ts';

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
  /**
   * Numbers a room event, keeps it in the room's history (with `keep`, as that says) and broadcasts
   * it; the two run side by side, and both are done when this returns the numbered event.
   */
  publish(fanout: Fanout, event: UnnumberedRoomEvent, audience: Audience, options?: PublishOptions): Promise<RoomEvent>;
  /** A room's recent events to one connection in as few `history` events as fit; `always` even if none. */
  sendHistory(fanout: Fanout, to: Recipient, room: string, limit: number, always?: boolean): Promise<void>;
  /** Kept events to one connection as `history` events, in order; `always` sends one even if none. */
  sendEvents(fanout: Fanout, to: Recipient, room: string, events: readonly RoomEvent[], always?: boolean): Promise<void>;
  /**
   * Deletes the connection (with `connectedBefore`, only one older than that), frees its nickname, counts
   * it out of its room and announces its leave there. False when there was nothing (left) to remove.
   */
  removeConnection(fanout: Fanout, connectionId: string, connectedBefore?: number): Promise<boolean>;
  /** After the grace (a deferred task): announces the leave unless its user resumed from that connection meanwhile. */
  leaveUnlessResumed(fanout: Fanout, leave: LeaveTask): Promise<void>;
  /** Removes a connection whose socket answered 410, unless it may still be inside its `$connect`. */
  evictIfGone(fanout: Fanout, connectionId: string): Promise<void>;
}

export interface PublishOptions {
  /** Left out of the broadcast (still numbered and kept): a connection inside its `$connect`. */
  exclude?: string;
  /**
   * Keeps the numbered event before it is broadcast, and its failure fails the publish with nothing
   * sent (an ack must mean "kept", and a retry must not send it twice). Default: kept in the room's
   * history while it is broadcast, a failure only logged (the event went out).
   */
  keep?: (event: RoomEvent) => Promise<void>;
}

/**
 * Recipients in a broadcast's first read: posting starts after a short Query, and the rest of the room is
 * read in pages that grow from there (store/rooms.ts) while the ones before are posted to. A room larger
 * than this costs a few Query requests more (about log4 of its size over this) and at most half a read
 * unit per extra page.
 */
export const FIRST_PAGE = 100;

export function systemEvent(text: string, room: string): UnnumberedRoomEvent {
  return { type: 'system', at: timestamp(), room, text };
}

export function createDelivery(context: ChatContext): Delivery {
  const { store, log, clock, connectGraceMs, metrics } = context;
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
    for await (const page of store.recipients(room, FIRST_PAGE)) {
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

  async function publish(fanout: Fanout, event: UnnumberedRoomEvent, audience: Audience, options: PublishOptions = {}): Promise<RoomEvent> {
    const numbered: RoomEvent = { ...event, seq: await store.nextSeq(event.room) };
    if (options.keep) {
      await options.keep(numbered);
      await broadcast(fanout, event.room, numbered, audience, options.exclude);
      return numbered;
    }
    const kept = store.addRoomEvent(numbered).catch((error: unknown) => log.warn('keeping a room event failed', { room: event.room, error: String(error) }));
    await broadcast(fanout, event.room, numbered, audience, options.exclude);
    await kept;
    return numbered;
  }

  async function removeConnection(fanout: Fanout, connectionId: string, connectedBefore?: number): Promise<boolean> {
    const removed = await store.deleteConnection(connectionId, connectedBefore);
    if (!removed) return false;
    // A claim this connection no longer holds was taken over by a resume: its user is still here, under
    // the same name, on the new connection. Nothing to announce, nothing to mark. The room's count drops
    // either way, so it is not made to wait for the claim (two items: one round trip, not two); both are
    // settled before a failure of either is thrown, so no write is left in flight when the handler ends.
    const [release, roomLeft] = await Promise.allSettled([
      removed.nicknameKey ? store.releaseClaim(removed.nicknameKey, removed.connectionId) : false,
      removed.room ? store.leaveRoom(removed.room) : undefined,
    ]);
    if (release.status === 'rejected') throw release.reason;
    if (roomLeft.status === 'rejected') throw roomLeft.reason;
    const released = release.value;
    if (!released || !removed.nickname || !removed.nicknameKey || !removed.room) return true;
    const leave: LeaveTask = {
      kind: 'leave',
      endpoint: fanout.endpoint,
      nicknameKey: removed.nicknameKey,
      nickname: removed.nickname,
      room: removed.room,
      awayFrom: removed.connectionId,
    };
    const deferred = context.later !== undefined && context.resumeGraceMs > 0;
    const away = { at: clock(), room: removed.room, ignoring: removed.ignoring, leftAnnounced: !deferred };
    const marked = await store.markAway(removed.nicknameKey, removed.connectionId, away);
    // Not ours any more: a resume that took the name from this connection (silent), or someone else's login.
    if (!marked && (await store.wasResumedFrom(removed.nicknameKey, removed.connectionId))) return true;
    if (!deferred || !marked || !context.later) {
      await announceLeft(fanout, leave.nickname, leave.room);
      return true;
    }
    try {
      await context.later.schedule(context.resumeGraceMs, leave);
    } catch (error) {
      // Nothing will come back for it: announce now (unless a resume already happened), not never.
      log.warn('deferring a leave failed; announcing it now', { error: String(error) });
      await leaveUnlessResumed(fanout, leave);
    }
    return true;
  }

  async function leaveUnlessResumed(fanout: Fanout, leave: LeaveTask): Promise<void> {
    if (await store.claimLeftAnnouncement(leave.nicknameKey, leave.awayFrom)) await announceLeft(fanout, leave.nickname, leave.room);
  }

  async function announceLeft(fanout: Fanout, nickname: string, room: string): Promise<void> {
    await publish(fanout, systemEvent(announcements.left(nickname), room), 'system');
  }

  async function evictIfGone(fanout: Fanout, connectionId: string): Promise<void> {
    if (await removeConnection(fanout, connectionId, clock() - connectGraceMs)) log.info('removed a gone connection', { connectionId });
  }

  async function sendEvents(fanout: Fanout, to: Recipient, room: string, kept: readonly RoomEvent[], always = false): Promise<void> {
    // Batched by the size in the recipient's format (text escapes control characters, JSON others).
    const size = (event: ServerEvent) => encodeEvent(event, to.format).byteLength;
    const events = historyEvents(room, kept, timestamp(), size);
    if (events.length === 0 && always) events.push({ type: 'history', at: timestamp(), room, messages: [] });
    // One at a time: posts in parallel could arrive out of order.
    for (const event of events) await reply(fanout, to, event);
  }

  async function sendHistory(fanout: Fanout, to: Recipient, room: string, limit: number, always = false): Promise<void> {
    await sendEvents(fanout, to, room, await store.history(room, limit), always);
  }

  return { encode, reply, broadcast, publish, sendHistory, sendEvents, removeConnection, leaveUnlessResumed, evictIfGone };
}
