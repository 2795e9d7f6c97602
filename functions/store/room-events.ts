// What each room keeps: its events (messages and system notices), numbered by a counter per room
// (`SEQ#<room>`) and kept in the members index under `#history:<room>`, sorted by `seq`, so one Query
// reads the newest N or everything after a given seq. A message sent with a client id is written
// first as a claim (`SENT#<sender>#<id>`, outside the index), numbered, then put in the index: a
// re-sent id finds the claim and its `seq` instead of being sent twice. Private messages are never kept.
import type { RoomEvent } from '../core/events.ts';
import { historyPartition, MEMBERS_INDEX_PARTITION_KEY, MEMBERS_INDEX_SORT_KEY, PARTITION_KEY, TTL_ATTRIBUTE } from '../table.ts';
import { historyKey, seqCounterKey, seqSortKey, sentMessageKey } from './keys.ts';
import { getItem, putItem, updateItem, type Item, type StoreRequests } from './requests.ts';
import type { ChatStore } from './types.ts';

type RoomEventStore = Pick<ChatStore, 'nextSeq' | 'latestSeq' | 'addRoomEvent' | 'claimSentMessage' | 'storeSentMessage' | 'history' | 'historyAfter'>;

export function roomEventItems({ TableName, clock, send, conditional, queryPages }: StoreRequests, ttlSeconds: number): RoomEventStore {
  const expiry = () => Math.floor(clock() / 1000) + ttlSeconds;
  /** The attributes that put an event in its room's history, in `seq` order. */
  const indexed = (event: RoomEvent): Item => ({
    [MEMBERS_INDEX_PARTITION_KEY]: historyPartition(event.room),
    [MEMBERS_INDEX_SORT_KEY]: seqSortKey(event.seq),
    // Only messages have a sender: that is how a kept system notice is told apart.
    ...(event.type === 'message' ? { nickname: event.from } : {}),
    text: event.text,
    sentAt: event.at,
    [TTL_ATTRIBUTE]: expiry(),
  });

  /** Kept events of `room` (newest first from DynamoDB), oldest first, without what is past its TTL. */
  function toEvents(room: string, items: readonly Item[]): RoomEvent[] {
    // DynamoDB's TTL deletes lazily (within days): what is past its time is not history any more.
    const oldest = new Date(clock() - ttlSeconds * 1000).toISOString();
    return items
      .map((item) => toRoomEvent(room, item))
      .filter((event): event is RoomEvent => event !== null && event.at >= oldest)
      .reverse();
  }

  async function newest(room: string, limit: number, afterSeq?: number): Promise<RoomEvent[]> {
    // The newest `limit` entries (then reversed), page by page: DynamoDB stops a page at 1 MB, which
    // 50 entries never reach but a replay of up to REPLAY_MAX can. `limit` bounds the pages read too.
    const items: Item[] = [];
    const pages = queryPages({
      partition: historyPartition(room),
      ...(afterSeq === undefined ? {} : { after: seqSortKey(afterSeq) }),
      projection: '#sort, nickname, #text, sentAt',
      names: { '#sort': MEMBERS_INDEX_SORT_KEY, '#text': 'text' },
      pageSize: limit,
      newestFirst: true,
    });
    for await (const page of pages) {
      items.push(...(page.Items ?? []));
      if (items.length >= limit) break;
    }
    return toEvents(room, items.slice(0, limit));
  }

  return {
    async nextSeq(room) {
      const output = await send(
        updateItem({
          TableName,
          Key: seqCounterKey(room),
          UpdateExpression: 'ADD #seq :one SET #ttl = :expires',
          ExpressionAttributeNames: { '#seq': 'seq', '#ttl': TTL_ATTRIBUTE },
          // Outlives the room's last kept event: a counter that restarted would reuse numbers clients hold.
          ExpressionAttributeValues: { ':one': 1, ':expires': expiry() + ttlSeconds },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(output.Attributes?.seq);
    },

    async latestSeq(room) {
      const { Item } = await send(getItem({ TableName, Key: seqCounterKey(room), ConsistentRead: true }));
      return Item ? Number(Item.seq) : 0;
    },

    async addRoomEvent(event) {
      await send(putItem({ TableName, Item: { ...historyKey(event.room, seqSortKey(event.seq)), ...indexed(event) } }));
    },

    async claimSentMessage(senderKey, clientId, frameId, settleMs) {
      const now = clock();
      const claimed = await conditional(
        putItem({
          TableName,
          Item: { ...sentMessageKey(senderKey, clientId), frameId, claimedAt: now, [TTL_ATTRIBUTE]: expiry() },
          // A claim left unnumbered past `settleMs` is the orphan of a sender that crashed: take it over.
          ConditionExpression: 'attribute_not_exists(#pk) OR (attribute_not_exists(#seq) AND claimedAt < :settled)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#seq': 'seq' },
          ExpressionAttributeValues: { ':settled': now - settleMs },
        }),
      );
      if (claimed) return { status: 'claimed' };
      const { Item } = await send(getItem({ TableName, Key: sentMessageKey(senderKey, clientId), ConsistentRead: true }));
      if (Item && typeof Item.seq === 'number') return { status: 'stored', seq: Item.seq, room: String(Item.storedIn) };
      // Unnumbered: the first send is still on its way (or the claim expired just now); the client asks again.
      return { status: 'pending' };
    },

    async storeSentMessage(senderKey, clientId, event) {
      await send(
        updateItem({
          TableName,
          Key: sentMessageKey(senderKey, clientId),
          UpdateExpression: 'SET #seq = :seq, storedIn = :room, #partition = :partition, #sort = :sort, nickname = :from, #text = :text, sentAt = :at, #ttl = :expires',
          ExpressionAttributeNames: {
            '#seq': 'seq',
            '#partition': MEMBERS_INDEX_PARTITION_KEY,
            '#sort': MEMBERS_INDEX_SORT_KEY,
            '#text': 'text',
            '#ttl': TTL_ATTRIBUTE,
          },
          ExpressionAttributeValues: {
            ':seq': event.seq,
            ':room': event.room,
            ':partition': historyPartition(event.room),
            ':sort': seqSortKey(event.seq),
            ':from': event.from,
            ':text': event.text,
            ':at': event.at,
            ':expires': expiry(),
          },
        }),
      );
    },

    history: (room, limit) => newest(room, limit),
    historyAfter: (room, afterSeq, limit) => newest(room, limit, afterSeq),
  };
}

/** A kept event as the history index holds it; null for an entry of another shape. */
function toRoomEvent(room: string, item: Item): RoomEvent | null {
  const seq = Number(item[MEMBERS_INDEX_SORT_KEY]);
  if (!Number.isSafeInteger(seq)) return null;
  const at = String(item.sentAt);
  const text = String(item.text);
  return typeof item.nickname === 'string'
    ? { type: 'message', seq, at, room, from: item.nickname, text }
    : { type: 'system', seq, at, room, text };
}
