// Each room's recent messages (`HIST#…`), kept in the members index under `#history:<room>` so one
// Query reads the newest N; private messages are never kept.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { historyPartition, MEMBERS_INDEX_PARTITION_KEY, MEMBERS_INDEX_SORT_KEY, TTL_ATTRIBUTE } from '../table.ts';
import { historyKey } from './keys.ts';
import type { Item, StoreRequests } from './requests.ts';
import type { ChatStore } from './types.ts';

type HistoryStore = Pick<ChatStore, 'addHistory' | 'history'>;

export function historyItems({ TableName, clock, send, queryPages }: StoreRequests, ttlSeconds: number): HistoryStore {
  return {
    async addHistory(room, entry, order) {
      const sortKey = `${entry.sentAt}#${order}`; // ISO timestamps sort as time
      await send(
        new PutCommand({
          TableName,
          Item: {
            ...historyKey(room, sortKey),
            [MEMBERS_INDEX_PARTITION_KEY]: historyPartition(room),
            [MEMBERS_INDEX_SORT_KEY]: sortKey,
            nickname: entry.from,
            text: entry.text,
            sentAt: entry.sentAt,
            [TTL_ATTRIBUTE]: Math.floor(clock() / 1000) + ttlSeconds,
          },
        }),
      );
    },

    async history(room, limit) {
      // One page of the newest `limit` entries (then reversed): the first page is all that is wanted.
      const { value: page } = await queryPages({
        partition: historyPartition(room),
        projection: 'nickname, #text, sentAt',
        names: { '#text': 'text' },
        pageSize: limit,
        newestFirst: true,
      }).next();
      // DynamoDB's TTL deletes lazily (within days): what is past its time is not history any more.
      const oldest = new Date(clock() - ttlSeconds * 1000).toISOString();
      const items: Item[] = page?.Items ?? [];
      return items
        .map((item) => ({ from: String(item.nickname), text: String(item.text), sentAt: String(item.sentAt) }))
        .filter((entry) => entry.sentAt >= oldest)
        .reverse();
    },
  };
}
