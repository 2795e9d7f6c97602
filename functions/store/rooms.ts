// Who is in a room (the members index: one entry per logged-in connection) and how many rooms have
// anyone in them (the rooms index: one counter per room, deleted when its room empties).
import type { RoomCount } from '../core/events.ts';
import type { Member, RoomRecipient } from '../core/rules.ts';
import { isEventFormat } from '../core/text-format.ts';
import { PARTITION_KEY, ROOMS_INDEX, ROOMS_INDEX_PARTITION_KEY, ROOMS_INDEX_SORT_KEY, ROOMS_PARTITION, TTL_ATTRIBUTE } from '../table.ts';
import { connectionIdOf, expiryFor, roomKey, roomOf } from './keys.ts';
import { deleteItem, getItem, updateItem, type IndexQuery, type StoreRequests } from './requests.ts';
import type { ChatStore, StoreOptions } from './types.ts';

/**
 * After a short first page of recipients, each page is at most this many times the one before: posting a
 * page (tens of µs of CPU per recipient) outlasts reading the next (a few µs per item), so the posts keep
 * flowing, and a room of N takes about log4(N / first page) requests before DynamoDB's 1 MB pages.
 */
export const RECIPIENT_PAGE_GROWTH = 4;

/** One COUNT request reads this many room counters at most: `/rooms` stays two requests. */
export const ROOMS_COUNTED = 10_000;

type RoomStore = Pick<ChatStore, 'members' | 'recipients' | 'enterRoom' | 'leaveRoom' | 'busiestRooms' | 'allRooms' | 'roomCount'>;

export function roomItems({ TableName, clock, send, conditional, queryPages, queryIndex }: StoreRequests, options: StoreOptions): RoomStore {
  const nowSeconds = () => Math.floor(clock() / 1000);
  // A counter past its expiry counts no one API Gateway still serves (DynamoDB's TTL deletes lazily).
  const live = () => ({ filter: '#ttl > :now', names: { '#ttl': TTL_ATTRIBUTE }, values: { ':now': nowSeconds() } });

  return {
    async *members(room) {
      const query = { partition: room, projection: '#pk, nickname, ignoring, #format', names: { '#pk': PARTITION_KEY, '#format': 'format' }, pageSize: options.membersPageSize };
      for await (const items of queryIndex(query)) yield items.map(toMember);
    },

    async *recipients(room, firstPage) {
      const query: IndexQuery = { partition: room, projection: '#pk, ignoring, #format', names: { '#pk': PARTITION_KEY, '#format': 'format' }, pageSize: options.membersPageSize, ...(firstPage === undefined ? {} : { growingPages: { first: firstPage, growth: RECIPIENT_PAGE_GROWTH } }) };
      for await (const items of queryIndex(query)) yield items.map(toRecipient);
    },

    async enterRoom(room) {
      await send(
        updateItem({
          TableName,
          Key: roomKey(room),
          UpdateExpression: 'ADD #members :one SET #registry = :registry, #ttl = :expires',
          ExpressionAttributeNames: { '#members': ROOMS_INDEX_SORT_KEY, '#registry': ROOMS_INDEX_PARTITION_KEY, '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':one': 1, ':registry': ROOMS_PARTITION, ':expires': expiryFor(clock()) },
        }),
      );
    },

    async leaveRoom(room) {
      const output = await conditional(
        updateItem({
          TableName,
          Key: roomKey(room),
          UpdateExpression: 'ADD #members :minusOne',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#members': ROOMS_INDEX_SORT_KEY },
          ExpressionAttributeValues: { ':minusOne': -1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      if (!output?.Attributes || Number(output.Attributes[ROOMS_INDEX_SORT_KEY]) > 0) return;
      // Emptied: delete the counter, unless someone entered since (then it counts them).
      await conditional(
        deleteItem({
          TableName,
          Key: roomKey(room),
          ConditionExpression: '#members <= :zero',
          ExpressionAttributeNames: { '#members': ROOMS_INDEX_SORT_KEY },
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      );
    },

    async busiestRooms(limit) {
      const [top, counted] = await Promise.all([
        queryPages({ index: ROOMS_INDEX, partition: ROOMS_PARTITION, pageSize: limit, newestFirst: true, ...live() }).next(),
        queryPages({ index: ROOMS_INDEX, partition: ROOMS_PARTITION, select: 'COUNT', pageSize: ROOMS_COUNTED, ...live() }).next(),
      ]);
      return {
        rooms: (top.value?.Items ?? []).map(toRoomCount),
        total: counted.value?.Count ?? 0,
        complete: counted.value?.LastEvaluatedKey === undefined,
      };
    },

    async *allRooms() {
      const now = nowSeconds();
      for await (const items of queryIndex({ index: ROOMS_INDEX, partition: ROOMS_PARTITION })) {
        yield items.filter((item) => Number(item[TTL_ATTRIBUTE]) > now).map(toRoomCount);
      }
    },

    async roomCount(room) {
      const { Item } = await send(getItem({ TableName, Key: roomKey(room), ConsistentRead: true }));
      return Item && Number(Item[TTL_ATTRIBUTE]) > nowSeconds() ? Math.max(0, Number(Item[ROOMS_INDEX_SORT_KEY])) : 0;
    },
  };
}

function toRoomCount(item: Record<string, unknown>): RoomCount {
  return { room: roomOf(item), count: Math.max(0, Number(item[ROOMS_INDEX_SORT_KEY])) };
}

function toRecipient(item: Record<string, unknown>): RoomRecipient {
  return { connectionId: connectionIdOf(item), ignoring: item.ignoring === true, format: isEventFormat(item.format) ? item.format : 'json' };
}

function toMember(item: Record<string, unknown>): Member {
  return { ...toRecipient(item), nickname: String(item.nickname) };
}
