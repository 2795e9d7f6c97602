// Who sent a frame: loaded from its connection id (never from the frame), in the same request that
// counts the frame against the connection's rate window.
import { chatError, errorEvent } from '../core/events.ts';
import { isRateLimited } from '../core/rules.ts';
import type { Fanout } from '../fanout.ts';
import { createRateRefusals } from '../rate-refusals.ts';
import type { ConnectionRecord } from '../store.ts';
import type { WebSocketEvent } from '../websocket-event.ts';
import type { ChatContext } from './context.ts';
import type { Delivery } from './delivery.ts';

/**
 * Loads the sender while counting the frame (one request for both). Re-creates an item lost to a race
 * so the socket stays usable. Null means: drop the frame (a retried duplicate, or over the rate limit).
 */
export type SenderLoader = (fanout: Fanout, event: WebSocketEvent, messageId: string) => Promise<ConnectionRecord | null>;

export function createSenderLoader({ store, clock, rateLimit, metrics }: ChatContext, delivery: Delivery): SenderLoader {
  const refusals = createRateRefusals(rateLimit.windowMs);
  return async (fanout, event, messageId) => {
    const { connectionId, connectedAt } = event.requestContext;
    if (refusals.refuses(connectionId, clock())) {
      metrics.record('rateLimited'); // dropped as the store would have dropped it, without asking it
      return null;
    }
    let counted = await store.countFrame(connectionId, messageId, clock(), rateLimit.windowMs);
    if (counted.status === 'missing') {
      await store.createConnection(connectionId, connectedAt);
      // A frame handled after its connection's $disconnect (invocations run concurrently) must not leave
      // a re-created item behind: create first, then check the socket, so a $disconnect either sees the
      // item and deletes it, or has already happened and the check finds the socket gone (410).
      if (!(await fanout.isConnected(connectionId))) {
        await delivery.removeConnection(fanout, connectionId);
        return null;
      }
      counted = await store.countFrame(connectionId, messageId, clock(), rateLimit.windowMs);
    }
    if (counted.status === 'duplicate') return null;
    if (counted.status === 'missing') return blankConnection(connectionId, connectedAt);
    if (counted.status === 'contended') return counted.connection;
    if (!isRateLimited(counted.framesInWindow, rateLimit.frames)) return counted.connection;
    metrics.record('rateLimited');
    refusals.overLimit(connectionId, counted.windowStart);
    if (counted.framesInWindow === rateLimit.frames + 1) {
      // Told once per window; the rest of the flood is dropped without a post each.
      const seconds = Math.ceil(rateLimit.windowMs / 1000);
      const limited = chatError('RATE_LIMITED', `Slow down: at most ${rateLimit.frames} frames per ${seconds} s. The rest were dropped.`);
      await delivery.reply(fanout, counted.connection, errorEvent(limited));
    }
    return null;
  };
}

/** A connection as `$connect` creates it: no name, no room. */
export function blankConnection(connectionId: string, connectedAt: number): ConnectionRecord {
  return {
    connectionId,
    connectedAt,
    nickname: null,
    nicknameKey: null,
    ignoring: false,
    room: null,
    expiresAt: Number.MAX_SAFE_INTEGER,
    lastMessageId: null,
    frameSeq: 0,
    format: 'json',
    session: null,
  };
}
