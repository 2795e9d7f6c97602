// How each kind of item is keyed: the one place that knows the `pk` formats. Every item has only a
// partition key; the prefixes keep the kinds apart (a nickname key can never be read as a connection).
import { PARTITION_KEY } from '../table.ts';

export const CONNECTION_PREFIX = 'CONN#';
const CLAIM_PREFIX = 'NICK#';
export const ROOM_PREFIX = 'ROOM#';
const HISTORY_PREFIX = 'HIST#';
const SEQ_PREFIX = 'SEQ#';
const SENT_PREFIX = 'SENT#';
const RESUME_PREFIX = 'RESUME#';
const OWNER_PREFIX = 'OWNER#';

/** API Gateway closes every connection after 2 h; TTL removes what outlives that by more than a margin. */
export const CONNECTION_LIFETIME_SECONDS = 2 * 60 * 60;
const TTL_MARGIN_SECONDS = 10 * 60;

type Key = Record<typeof PARTITION_KEY, string>;

export const connectionKey = (connectionId: string): Key => ({ [PARTITION_KEY]: `${CONNECTION_PREFIX}${connectionId}` });
export const claimKey = (nicknameKey: string): Key => ({ [PARTITION_KEY]: `${CLAIM_PREFIX}${nicknameKey}` });
export const roomKey = (room: string): Key => ({ [PARTITION_KEY]: `${ROOM_PREFIX}${room}` });
export const historyKey = (room: string, sortKey: string): Key => ({ [PARTITION_KEY]: `${HISTORY_PREFIX}${room}#${sortKey}` });
/** A room's event counter: the last `seq` given out. */
export const seqCounterKey = (room: string): Key => ({ [PARTITION_KEY]: `${SEQ_PREFIX}${room}` });
/** A message sent with a client id: claimed before it is numbered, so a re-sent id finds it (and its `seq`). */
export const sentMessageKey = (senderKey: string, clientId: string): Key => ({ [PARTITION_KEY]: `${SENT_PREFIX}${senderKey}#${clientId}` });
/** The hashed resume token of a nickname, and where its user was (room, ignore flag, away since). */
export const resumeKey = (nicknameKey: string): Key => ({ [PARTITION_KEY]: `${RESUME_PREFIX}${nicknameKey}` });
/** Under NICKNAME_FROM_CLAIM, the account (`sub`) a nickname key is bound to; an administrator frees a name by deleting it. */
export const ownerKey = (nicknameKey: string): Key => ({ [PARTITION_KEY]: `${OWNER_PREFIX}${nicknameKey}` });

/** A room event's place in its room's history: its `seq`, zero-padded so that strings sort as numbers. */
export const seqSortKey = (seq: number): string => String(seq).padStart(SEQ_DIGITS, '0');
export const SEQ_DIGITS = 15;

/** The connection id of an index entry, read back from its `pk` (it is not stored twice). */
export const connectionIdOf = (item: Record<string, unknown>): string => String(item[PARTITION_KEY]).slice(CONNECTION_PREFIX.length);
export const roomOf = (item: Record<string, unknown>): string => String(item[PARTITION_KEY]).slice(ROOM_PREFIX.length);

/** When connection-scoped items (the connection, its claim, a room's counter) may go: 2 h 10 min after `at`. */
export function expiryFor(at: number): number {
  return Math.floor(at / 1000) + CONNECTION_LIFETIME_SECONDS + TTL_MARGIN_SECONDS;
}
