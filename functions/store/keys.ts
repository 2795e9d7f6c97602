// How each kind of item is keyed: the one place that knows the `pk` formats. Every item has only a
// partition key; the prefixes keep the kinds apart (a nickname key can never be read as a connection).
import { PARTITION_KEY } from '../table.ts';

export const CONNECTION_PREFIX = 'CONN#';
const CLAIM_PREFIX = 'NICK#';
export const ROOM_PREFIX = 'ROOM#';
const HISTORY_PREFIX = 'HIST#';

/** API Gateway closes every connection after 2 h; TTL removes what outlives that by more than a margin. */
export const CONNECTION_LIFETIME_SECONDS = 2 * 60 * 60;
const TTL_MARGIN_SECONDS = 10 * 60;

type Key = Record<typeof PARTITION_KEY, string>;

export const connectionKey = (connectionId: string): Key => ({ [PARTITION_KEY]: `${CONNECTION_PREFIX}${connectionId}` });
export const claimKey = (nicknameKey: string): Key => ({ [PARTITION_KEY]: `${CLAIM_PREFIX}${nicknameKey}` });
export const roomKey = (room: string): Key => ({ [PARTITION_KEY]: `${ROOM_PREFIX}${room}` });
export const historyKey = (room: string, sortKey: string): Key => ({ [PARTITION_KEY]: `${HISTORY_PREFIX}${room}#${sortKey}` });

/** The connection id of an index entry, read back from its `pk` (it is not stored twice). */
export const connectionIdOf = (item: Record<string, unknown>): string => String(item[PARTITION_KEY]).slice(CONNECTION_PREFIX.length);
export const roomOf = (item: Record<string, unknown>): string => String(item[PARTITION_KEY]).slice(ROOM_PREFIX.length);

/** When connection-scoped items (the connection, its claim, a room's counter) may go: 2 h 10 min after `at`. */
export function expiryFor(at: number): number {
  return Math.floor(at / 1000) + CONNECTION_LIFETIME_SECONDS + TTL_MARGIN_SECONDS;
}
