// The one table definition: the CDK stack and the local start-up both build the table from this,
// so the emulator and AWS can never disagree on keys, index or projection.
// Plain data only (no SDK imports) so infra/ can import it without pulling the runtime clients.

/** Partition key of every item: `CONN#<connectionId>` or `NICK#<nicknameKey>`. */
export const PARTITION_KEY = 'pk';

/** Sparse index of logged-in connections: only connection items with a `room` attribute appear. */
export const MEMBERS_INDEX = 'members';
export const MEMBERS_INDEX_PARTITION_KEY = 'room';
/** Sorting members by their case-folded nickname gives `/ls` its order for free. */
export const MEMBERS_INDEX_SORT_KEY = 'nicknameKey';
/**
 * Only what fan-out, `/ls` and `/history` need travel with the index; the keys (pk, room, nicknameKey)
 * always do. The connection id is read back from `pk`, so it is not stored twice. Connection items have
 * no `text`/`sentAt`, so fan-out pages stay small; history entries carry them.
 */
export const MEMBERS_INDEX_PROJECTION = ['nickname', 'ignoring', 'text', 'sentAt'] as const;

/** Epoch seconds after which DynamoDB TTL may delete an item (API Gateway closes sockets at 2 h). */
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * The index also holds two kinds of non-member entries, in partitions no room name can take (room
 * names have no `#`): the room registry (`/rooms`) and each room's recent history (`/history`).
 */
export const ROOMS_PARTITION = '#rooms';
export const historyPartition = (room: string): string => `#history:${room}`;

export interface TableSchema {
  partitionKey: { name: string; type: 'S' };
  membersIndex: {
    name: string;
    partitionKey: { name: string; type: 'S' };
    sortKey: { name: string; type: 'S' };
    nonKeyAttributes: readonly string[];
  };
  ttlAttribute: string;
}

export const TABLE_SCHEMA: TableSchema = {
  partitionKey: { name: PARTITION_KEY, type: 'S' },
  membersIndex: {
    name: MEMBERS_INDEX,
    partitionKey: { name: MEMBERS_INDEX_PARTITION_KEY, type: 'S' },
    sortKey: { name: MEMBERS_INDEX_SORT_KEY, type: 'S' },
    nonKeyAttributes: MEMBERS_INDEX_PROJECTION,
  },
  ttlAttribute: TTL_ATTRIBUTE,
};
