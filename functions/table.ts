// The one table definition: the CDK stack and the local start-up both build the table from this,
// so the emulator and AWS can never disagree on keys, indexes or projections.
// Plain data only (no SDK imports) so infra/ can import it without pulling the runtime clients.

/** Partition key of every item; its formats (one prefix per kind of item) are in store/keys.ts, the one place that lists them. */
export const PARTITION_KEY = 'pk';

/** Sparse index of logged-in connections: only connection items with a `room` attribute appear. */
export const MEMBERS_INDEX = 'members';
export const MEMBERS_INDEX_PARTITION_KEY = 'room';
/** The member's nickname uniqueness key (its claim's key too); `/ls` sorts the names as people read them. */
export const MEMBERS_INDEX_SORT_KEY = 'nicknameKey';
/**
 * Only what fan-out (recipients, their `ignoring` and `format`), `/ls` and `/history` need travel with the index; the keys (pk, room, nicknameKey)
 * always do. The connection id is read back from `pk`, so it is not stored twice. Connection items have
 * no `text`/`sentAt`, so fan-out pages stay small; history entries carry them.
 */
export const MEMBERS_INDEX_PROJECTION = ['nickname', 'ignoring', 'format', 'text', 'sentAt'] as const;

/** Epoch seconds after which DynamoDB TTL may delete an item (API Gateway closes sockets at 2 h). */
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * The members index also holds each room's recent history (`/history`), in partitions no room name
 * can take (room names have no `#`).
 */
export const historyPartition = (room: string): string => `#history:${room}`;

/**
 * Sparse index of rooms with anyone in them: one counter item per room (`ROOM#<room>`), kept by joins
 * and leaves and deleted when its room empties, sorted by member count, so `/rooms` reads the busiest
 * rooms in one Query however many rooms have ever been named.
 */
export const ROOMS_INDEX = 'rooms';
export const ROOMS_INDEX_PARTITION_KEY = 'registry';
export const ROOMS_INDEX_SORT_KEY = 'members';
/** The one value of the rooms index's partition key. */
export const ROOMS_PARTITION = '#rooms';
/** A counter past its expiry (2 h 10 min after its latest join) counts no one API Gateway still serves. */
export const ROOMS_INDEX_PROJECTION = [TTL_ATTRIBUTE] as const;

export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface IndexSchema {
  name: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  nonKeyAttributes: readonly string[];
}

export interface TableSchema {
  partitionKey: KeyAttribute;
  indexes: readonly IndexSchema[];
  ttlAttribute: string;
}

export const TABLE_SCHEMA: TableSchema = {
  partitionKey: { name: PARTITION_KEY, type: 'S' },
  indexes: [
    {
      name: MEMBERS_INDEX,
      partitionKey: { name: MEMBERS_INDEX_PARTITION_KEY, type: 'S' },
      sortKey: { name: MEMBERS_INDEX_SORT_KEY, type: 'S' },
      nonKeyAttributes: MEMBERS_INDEX_PROJECTION,
    },
    {
      name: ROOMS_INDEX,
      partitionKey: { name: ROOMS_INDEX_PARTITION_KEY, type: 'S' },
      sortKey: { name: ROOMS_INDEX_SORT_KEY, type: 'N' },
      nonKeyAttributes: ROOMS_INDEX_PROJECTION,
    },
  ],
  ttlAttribute: TTL_ATTRIBUTE,
};

/** Every key attribute of the table and its indexes, once each (DynamoDB refuses unused or repeated ones). */
export function keyAttributes(schema: TableSchema): KeyAttribute[] {
  const all = [schema.partitionKey, ...schema.indexes.flatMap((index) => [index.partitionKey, index.sortKey])];
  return all.filter((key, i) => all.findIndex((other) => other.name === key.name) === i);
}
