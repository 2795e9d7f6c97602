// All DynamoDB access. One table: connection items (`CONN#<id>`) and nickname claims (`NICK#<key>`).
// dynalite has no TransactWriteItems, so every multi-item change is a sequence of conditional writes
// ordered so that a crash in between leaves at most an orphaned claim, which login can detect and take over.
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { RoomCount } from './core/events.ts';
import type { Member } from './core/rules.ts';
import {
  historyPartition,
  MEMBERS_INDEX,
  MEMBERS_INDEX_PARTITION_KEY,
  MEMBERS_INDEX_SORT_KEY,
  PARTITION_KEY,
  ROOMS_INDEX,
  ROOMS_INDEX_PARTITION_KEY,
  ROOMS_INDEX_SORT_KEY,
  ROOMS_PARTITION,
  TTL_ATTRIBUTE,
} from './table.ts';

/** API Gateway closes every connection after 2 h; TTL removes what outlives that by more than a margin. */
export const CONNECTION_LIFETIME_SECONDS = 2 * 60 * 60;
const TTL_MARGIN_SECONDS = 10 * 60;

export interface ConnectionRecord {
  connectionId: string;
  connectedAt: number;
  nickname: string | null;
  nicknameKey: string | null;
  ignoring: boolean;
  room: string | null;
  expiresAt: number;
  /** The `messageId` of the last frame counted (retried events repeat it). */
  lastMessageId: string | null;
  /** Frames counted over the connection's life: orders its messages within one millisecond. */
  frameSeq: number;
}

/**
 * The outcome of setting a nickname. A connection's own logins run concurrently (one Lambda invocation
 * per frame), so each carries its place in the connection's order of logins and an older one never
 * overwrites the name a newer one set: it is `superseded`.
 */
export type NicknameChange =
  | { status: 'set'; previous: ConnectionRecord }
  | { status: 'superseded' }
  | { status: 'missing' };

/** Which of the connection's claims a release may delete, by the login that made them. */
export type ClaimRelease =
  /** Any claim of the connection (it is gone). */
  | { by: 'any' }
  /** Only a claim made by a login older than `loginSeq` (the name that login replaced). */
  | { by: 'older'; loginSeq: number }
  /** Only the claim made by exactly this login (it lost, and no newer login re-claimed the name). */
  | { by: 'exactly'; loginSeq: number };

export interface ClaimRecord {
  key: string;
  nickname: string;
  connectionId: string;
  claimedAt: number;
  expiresAt: number;
  /** The holder's login that last claimed it (0 for claims written before logins were numbered). */
  loginSeq: number;
}

/** A message kept for `/history`. */
export interface HistoryEntry {
  from: string;
  text: string;
  /** ISO-8601 UTC, as the message event carried it. */
  sentAt: string;
}

/** The outcome of counting one incoming frame against its connection's rate window. */
export type FrameCount =
  | { status: 'counted'; connection: ConnectionRecord; framesInWindow: number }
  | { status: 'duplicate' }
  | { status: 'missing' }
  /** Concurrent frames kept changing the window: the connection as read, this frame left uncounted. */
  | { status: 'contended'; connection: ConnectionRecord };

/** Rooms as `/rooms` lists them: a bounded list and the total. */
export interface RoomListing {
  rooms: RoomCount[];
  /** Rooms with anyone in them; at least this many when `complete` is false. */
  total: number;
  complete: boolean;
}

export type ClaimResult = { claimed: true } | { claimed: false; holder: ClaimRecord | null };

/** Request and capacity counters, read by the benchmark. */
export interface StoreMetrics {
  requests: number;
  capacityUnits: number;
}

export interface ChatStore {
  readonly metrics: StoreMetrics;
  /** Idempotent: a repeated `$connect` for the same id leaves an existing item untouched. */
  createConnection(connectionId: string, connectedAt: number): Promise<void>;
  getConnection(connectionId: string): Promise<ConnectionRecord | null>;
  /** Deletes and returns the old item; with `connectedBefore`, only a connection older than that (epoch ms). */
  deleteConnection(connectionId: string, connectedBefore?: number): Promise<ConnectionRecord | null>;
  /**
   * Numbers a new login of the connection (1, 2, …): the order in which its concurrent logins count.
   * Null when the connection is gone.
   */
  beginLogin(connectionId: string): Promise<number | null>;
  /** Sets the nickname and room membership, unless a newer login of the connection already set one. */
  setNickname(connectionId: string, nickname: string, key: string, room: string, loginSeq: number): Promise<NicknameChange>;
  /** Undoes a login that lost its claim: only while the item still holds `key`. */
  clearNickname(connectionId: string, key: string): Promise<void>;
  /** Flips `ignoring` from `from`; returns the value now stored (a concurrent flip wins). */
  setIgnoring(connectionId: string, from: boolean): Promise<boolean>;
  /**
   * Claims `key` for login `loginSeq` of the connection. The connection's own claim counts as claimed
   * (re-stamped with this login unless a newer login of it stamped it already).
   */
  claimNickname(key: string, nickname: string, connectionId: string, connectedAt: number, loginSeq: number): Promise<ClaimResult>;
  /** Replaces exactly `previous` (same holder and claim time): compare-and-swap on an abandoned claim. */
  takeOverClaim(previous: ClaimRecord, nickname: string, connectionId: string, connectedAt: number, loginSeq: number): Promise<boolean>;
  getClaim(key: string): Promise<ClaimRecord | null>;
  /** Deletes the claim only while `connectionId` holds it, and only if `release` allows. */
  releaseClaim(key: string, connectionId: string, release?: ClaimRelease): Promise<void>;
  /** Logged-in members of a room, a page at a time, from the sparse index (never a Scan). */
  members(room: string): AsyncGenerator<Member[]>;
  /** Moves a logged-in connection to `room`; returns the item as it was, or null if not logged in. */
  moveToRoom(connectionId: string, room: string): Promise<ConnectionRecord | null>;
  /** Counts one member into `room`'s counter (which lists the room until 2 h 10 min after its latest join). */
  enterRoom(room: string): Promise<void>;
  /** Counts one member out of `room`; a room that empties leaves the rooms index. */
  leaveRoom(room: string): Promise<void>;
  /**
   * The busiest rooms (at most `limit`, most members first) and how many rooms have anyone in them:
   * two Queries whatever the number of rooms (the total is exact up to ROOMS_COUNTED, then a lower bound).
   */
  busiestRooms(limit: number): Promise<RoomListing>;
  /** Every room with anyone in them, a page at a time (for pushes to every room). */
  allRooms(): AsyncGenerator<RoomCount[]>;
  /** The counter of one room (0 when it is empty). */
  roomCount(room: string): Promise<number>;
  /** `order` breaks ties between entries of the same millisecond (and makes a retried write idempotent). */
  addHistory(room: string, entry: HistoryEntry, order: string): Promise<void>;
  /** The newest `limit` entries of `room`, oldest first. */
  history(room: string, limit: number): Promise<HistoryEntry[]>;
  /**
   * Counts one incoming frame in the connection's rate window (a fixed window of `windowMs` opened by the
   * first frame after the previous one ended) and returns the connection as it is now: reading the sender
   * and rate limiting are one request. A frame with the same `messageId` as the previous one (a retried
   * event) is reported as a duplicate.
   */
  countFrame(connectionId: string, messageId: string, now: number, windowMs: number): Promise<FrameCount>;
}

export interface StoreOptions {
  tableName: string;
  /** Ask DynamoDB for consumed capacity on every call (the benchmark reads `metrics.capacityUnits`). */
  measureCapacity?: boolean;
  /** Members per Query page; default: DynamoDB's 1 MB pages. Smaller pages exercise the paging path. */
  membersPageSize?: number;
  /** How long `/history` entries live (DynamoDB TTL); default 24 h. */
  historyTtlSeconds?: number;
  clock?: () => number;
}

interface IndexQuery {
  /** Default: the members index. */
  index?: string;
  partition: string;
  /** Applied after the read (and after `pageSize`): what it drops still costs the read. */
  filter?: string;
  values?: Record<string, unknown>;
  projection?: string;
  names?: Record<string, string>;
  select?: 'COUNT';
  pageSize?: number;
  /** Descending sort key order (history: newest first). */
  newestFirst?: boolean;
}

type StoreCommand = GetCommand | PutCommand | UpdateCommand | DeleteCommand | QueryCommand;
type Item = Record<string, unknown>;
interface StoreOutput {
  Item?: Item;
  Items?: Item[];
  Attributes?: Item;
  LastEvaluatedKey?: Item;
  ConsumedCapacity?: { CapacityUnits?: number };
  Count?: number;
}

const CONNECTION_PREFIX = 'CONN#';
const CLAIM_PREFIX = 'NICK#';
const ROOM_PREFIX = 'ROOM#';
const HISTORY_PREFIX = 'HIST#';
const DEFAULT_HISTORY_TTL_SECONDS = 24 * 60 * 60;
const MAX_WINDOW_HINTS = 10_000;
/** One COUNT request reads this many room counters at most: `/rooms` stays two requests. */
export const ROOMS_COUNTED = 10_000;
const connectionPk = (connectionId: string) => `${CONNECTION_PREFIX}${connectionId}`;
const roomPk = (room: string) => `${ROOM_PREFIX}${room}`;
const claimPk = (key: string) => `${CLAIM_PREFIX}${key}`;

export function expiryFor(connectedAt: number): number {
  return Math.floor(connectedAt / 1000) + CONNECTION_LIFETIME_SECONDS + TTL_MARGIN_SECONDS;
}

export function createStore(client: DynamoDBClient, options: StoreOptions): ChatStore {
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const TableName = options.tableName;
  const clock = options.clock ?? Date.now;
  const metrics: StoreMetrics = { requests: 0, capacityUnits: 0 };
  const capacity = options.measureCapacity ? ({ ReturnConsumedCapacity: 'TOTAL' } as const) : {};
  const historyTtlSeconds = options.historyTtlSeconds ?? DEFAULT_HISTORY_TTL_SECONDS;
  // Rate-window starts seen by this container: only a hint for which conditional update to try first.
  const windowStarts = new Map<string, number>();
  const rememberWindow = (connectionId: string, start: number): void => {
    if (windowStarts.size >= MAX_WINDOW_HINTS) windowStarts.clear(); // bounded; a lost hint costs one retry
    windowStarts.set(connectionId, start);
  };

  // Every command goes through here so the benchmark counts requests and capacity in one place.
  const sendAny = db.send.bind(db) as (command: StoreCommand) => Promise<StoreOutput>;
  async function send(command: StoreCommand): Promise<StoreOutput> {
    metrics.requests += 1;
    const output = await sendAny(command);
    metrics.capacityUnits += output.ConsumedCapacity?.CapacityUnits ?? 0;
    return output;
  }

  // A failed condition is an expected outcome here (lost race, already done), not an error.
  async function conditional<T>(write: () => Promise<T>): Promise<T | undefined> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') {
        if (options.measureCapacity) metrics.capacityUnits += 1; // a failed conditional write still costs one write unit
        return undefined;
      }
      throw error;
    }
  }

  return {
    metrics,

    async createConnection(connectionId, connectedAt) {
      await conditional(() =>
        send(
          new PutCommand({
            TableName,
            Item: {
              [PARTITION_KEY]: connectionPk(connectionId),
              connectionId,
              connectedAt,
              ignoring: false,
              [TTL_ATTRIBUTE]: expiryFor(connectedAt),
            },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PARTITION_KEY },
            ...capacity,
          }),
        ),
      );
    },

    async getConnection(connectionId) {
      const { Item } = await send(
        new GetCommand({ TableName, Key: { [PARTITION_KEY]: connectionPk(connectionId) }, ConsistentRead: true, ...capacity }),
      );
      return Item ? toConnection(Item) : null;
    },

    async deleteConnection(connectionId, connectedBefore) {
      const condition =
        connectedBefore === undefined
          ? {}
          : {
              ConditionExpression: 'connectedAt < :before',
              ExpressionAttributeValues: { ':before': connectedBefore },
            };
      const output = await conditional(() =>
        send(
          new DeleteCommand({
            TableName,
            Key: { [PARTITION_KEY]: connectionPk(connectionId) },
            ReturnValues: 'ALL_OLD',
            ...condition,
            ...capacity,
          }),
        ),
      );
      return output?.Attributes ? toConnection(output.Attributes) : null;
    },

    async beginLogin(connectionId) {
      const output = await conditional(() =>
        send(
          new UpdateCommand({
            TableName,
            Key: { [PARTITION_KEY]: connectionPk(connectionId) },
            UpdateExpression: 'ADD loginSeq :one',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PARTITION_KEY },
            ExpressionAttributeValues: { ':one': 1 },
            ReturnValues: 'UPDATED_NEW',
            ...capacity,
          }),
        ),
      );
      return output?.Attributes ? Number(output.Attributes.loginSeq) : null;
    },

    async setNickname(connectionId, nickname, key, room, loginSeq) {
      const output = await conditional(() =>
        send(
          new UpdateCommand({
            TableName,
            Key: { [PARTITION_KEY]: connectionPk(connectionId) },
            // A rename keeps the room; a first login joins `room`.
            UpdateExpression: 'SET nickname = :nickname, #key = :key, #room = if_not_exists(#room, :room), nameSeq = :seq',
            // The name of a newer login stands: an older one finishing late must not undo it.
            ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(nameSeq) OR nameSeq < :seq)',
            ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#key': MEMBERS_INDEX_SORT_KEY, '#room': MEMBERS_INDEX_PARTITION_KEY },
            ExpressionAttributeValues: { ':nickname': nickname, ':key': key, ':room': room, ':seq': loginSeq },
            ReturnValues: 'ALL_OLD',
            ...capacity,
          }),
        ),
      );
      if (output?.Attributes) return { status: 'set', previous: toConnection(output.Attributes) };
      return (await this.getConnection(connectionId)) ? { status: 'superseded' } : { status: 'missing' };
    },

    async clearNickname(connectionId, key) {
      await conditional(() =>
        send(
          new UpdateCommand({
            TableName,
            Key: { [PARTITION_KEY]: connectionPk(connectionId) },
            UpdateExpression: 'REMOVE nickname, #key, #room',
            ConditionExpression: '#key = :key',
            ExpressionAttributeNames: { '#key': MEMBERS_INDEX_SORT_KEY, '#room': MEMBERS_INDEX_PARTITION_KEY },
            ExpressionAttributeValues: { ':key': key },
            ...capacity,
          }),
        ),
      );
    },

    async setIgnoring(connectionId, from) {
      const flipped = await conditional(() =>
        send(
          new UpdateCommand({
            TableName,
            Key: { [PARTITION_KEY]: connectionPk(connectionId) },
            UpdateExpression: 'SET ignoring = :to',
            ConditionExpression: 'ignoring = :from',
            ExpressionAttributeValues: { ':from': from, ':to': !from },
            ...capacity,
          }),
        ),
      );
      if (flipped) return !from;
      const current = await this.getConnection(connectionId);
      return current?.ignoring ?? from;
    },

    async claimNickname(key, nickname, connectionId, connectedAt, loginSeq) {
      const claimed = await conditional(() =>
        send(
          new PutCommand({
            TableName,
            Item: claimItem(key, nickname, connectionId, connectedAt, clock(), loginSeq),
            // Re-stamping our own claim with an older login would let that login's clean-up delete it.
            ConditionExpression: 'attribute_not_exists(#pk) OR (connectionId = :me AND (attribute_not_exists(loginSeq) OR loginSeq <= :seq))',
            ExpressionAttributeNames: { '#pk': PARTITION_KEY },
            ExpressionAttributeValues: { ':me': connectionId, ':seq': loginSeq },
            ...capacity,
          }),
        ),
      );
      if (claimed) return { claimed: true };
      // dynalite ignores ReturnValuesOnConditionCheckFailure, so read the holder back.
      const holder = await this.getClaim(key);
      return holder?.connectionId === connectionId ? { claimed: true } : { claimed: false, holder };
    },

    async takeOverClaim(previous, nickname, connectionId, connectedAt, loginSeq) {
      const replaced = await conditional(() =>
        send(
          new PutCommand({
            TableName,
            Item: claimItem(previous.key, nickname, connectionId, connectedAt, clock(), loginSeq),
            ConditionExpression: 'connectionId = :holder AND claimedAt = :claimedAt',
            ExpressionAttributeValues: { ':holder': previous.connectionId, ':claimedAt': previous.claimedAt },
            ...capacity,
          }),
        ),
      );
      return replaced !== undefined;
    },

    async getClaim(key) {
      const { Item } = await send(
        new GetCommand({ TableName, Key: { [PARTITION_KEY]: claimPk(key) }, ConsistentRead: true, ...capacity }),
      );
      return Item ? toClaim(key, Item) : null;
    },

    async releaseClaim(key, connectionId, release = { by: 'any' }) {
      const bySeq =
        release.by === 'any'
          ? { condition: '', values: {} }
          : release.by === 'older'
            ? { condition: ' AND (attribute_not_exists(loginSeq) OR loginSeq < :seq)', values: { ':seq': release.loginSeq } }
            : { condition: ' AND loginSeq = :seq', values: { ':seq': release.loginSeq } };
      await conditional(() =>
        send(
          new DeleteCommand({
            TableName,
            Key: { [PARTITION_KEY]: claimPk(key) },
            ConditionExpression: `connectionId = :me${bySeq.condition}`,
            ExpressionAttributeValues: { ':me': connectionId, ...bySeq.values },
            ...capacity,
          }),
        ),
      );
    },

    async *members(room) {
      for await (const items of queryIndex({ partition: room, projection: '#pk, nickname, ignoring', names: { '#pk': PARTITION_KEY }, pageSize: options.membersPageSize })) {
        yield items.map(toMember);
      }
    },

    async moveToRoom(connectionId, room) {
      const output = await conditional(() =>
        send(
          new UpdateCommand({
            TableName,
            Key: { [PARTITION_KEY]: connectionPk(connectionId) },
            UpdateExpression: 'SET #room = :room',
            ConditionExpression: 'attribute_exists(#room)',
            ExpressionAttributeNames: { '#room': MEMBERS_INDEX_PARTITION_KEY },
            ExpressionAttributeValues: { ':room': room },
            ReturnValues: 'ALL_OLD',
            ...capacity,
          }),
        ),
      );
      return output?.Attributes ? toConnection(output.Attributes) : null;
    },

    async enterRoom(room) {
      await send(
        new UpdateCommand({
          TableName,
          Key: { [PARTITION_KEY]: roomPk(room) },
          UpdateExpression: 'ADD #members :one SET #registry = :registry, #ttl = :expires',
          ExpressionAttributeNames: { '#members': ROOMS_INDEX_SORT_KEY, '#registry': ROOMS_INDEX_PARTITION_KEY, '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':one': 1, ':registry': ROOMS_PARTITION, ':expires': expiryFor(clock()) },
          ...capacity,
        }),
      );
    },

    async leaveRoom(room) {
      const output = await conditional(() =>
        send(
          new UpdateCommand({
            TableName,
            Key: { [PARTITION_KEY]: roomPk(room) },
            UpdateExpression: 'ADD #members :minusOne',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#members': ROOMS_INDEX_SORT_KEY },
            ExpressionAttributeValues: { ':minusOne': -1 },
            ReturnValues: 'UPDATED_NEW',
            ...capacity,
          }),
        ),
      );
      if (!output?.Attributes || Number(output.Attributes[ROOMS_INDEX_SORT_KEY]) > 0) return;
      // Emptied: delete the counter, unless someone entered since (then it counts them).
      await conditional(() =>
        send(
          new DeleteCommand({
            TableName,
            Key: { [PARTITION_KEY]: roomPk(room) },
            ConditionExpression: '#members <= :zero',
            ExpressionAttributeNames: { '#members': ROOMS_INDEX_SORT_KEY },
            ExpressionAttributeValues: { ':zero': 0 },
            ...capacity,
          }),
        ),
      );
    },

    async busiestRooms(limit) {
      const live = { filter: '#ttl > :now', names: { '#ttl': TTL_ATTRIBUTE }, values: { ':now': Math.floor(clock() / 1000) } };
      const [top, counted] = await Promise.all([
        queryPages({ index: ROOMS_INDEX, partition: ROOMS_PARTITION, pageSize: limit, newestFirst: true, ...live }).next(),
        queryPages({ index: ROOMS_INDEX, partition: ROOMS_PARTITION, select: 'COUNT', pageSize: ROOMS_COUNTED, ...live }).next(),
      ]);
      return {
        rooms: (top.value?.Items ?? []).map(toRoomCount),
        total: counted.value?.Count ?? 0,
        complete: counted.value?.LastEvaluatedKey === undefined,
      };
    },

    async *allRooms() {
      const now = Math.floor(clock() / 1000);
      for await (const items of queryIndex({ index: ROOMS_INDEX, partition: ROOMS_PARTITION })) {
        yield items.filter((item) => Number(item[TTL_ATTRIBUTE]) > now).map(toRoomCount);
      }
    },

    async roomCount(room) {
      const { Item } = await send(new GetCommand({ TableName, Key: { [PARTITION_KEY]: roomPk(room) }, ConsistentRead: true, ...capacity }));
      return Item && Number(Item[TTL_ATTRIBUTE]) > Math.floor(clock() / 1000) ? Math.max(0, Number(Item[ROOMS_INDEX_SORT_KEY])) : 0;
    },

    async addHistory(room, entry, order) {
      const sortKey = `${entry.sentAt}#${order}`; // ISO timestamps sort as time
      await send(
        new PutCommand({
          TableName,
          Item: {
            [PARTITION_KEY]: `${HISTORY_PREFIX}${room}#${sortKey}`,
            [MEMBERS_INDEX_PARTITION_KEY]: historyPartition(room),
            [MEMBERS_INDEX_SORT_KEY]: sortKey,
            nickname: entry.from,
            text: entry.text,
            sentAt: entry.sentAt,
            [TTL_ATTRIBUTE]: Math.floor(clock() / 1000) + historyTtlSeconds,
          },
          ...capacity,
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
      const oldest = new Date(clock() - historyTtlSeconds * 1000).toISOString();
      const items: Item[] = page?.Items ?? [];
      return items
        .map((item) => ({ from: String(item.nickname), text: String(item.text), sentAt: String(item.sentAt) }))
        .filter((entry) => entry.sentAt >= oldest)
        .reverse();
    },

    async countFrame(connectionId, messageId, now, windowMs) {
      const notRepeated = '(attribute_not_exists(lastMessageId) OR lastMessageId <> :mid)';
      const values = { ':one': 1, ':mid': messageId, ':since': now - windowMs };
      const attempts = [
        // The usual case: one more frame in the current window.
        {
          UpdateExpression: 'ADD frames :one, frameSeq :one SET lastMessageId = :mid',
          ConditionExpression: `windowStart > :since AND ${notRepeated}`,
          ExpressionAttributeValues: values,
        },
        // The first frame of a new window (or of the connection): the window starts now.
        {
          UpdateExpression: 'SET windowStart = :now, frames = :one, lastMessageId = :mid ADD frameSeq :one',
          ConditionExpression: `attribute_exists(connectionId) AND (attribute_not_exists(windowStart) OR windowStart <= :since) AND ${notRepeated}`,
          ExpressionAttributeValues: { ...values, ':now': now },
        },
      ];
      // Try first what this container last saw for the connection: a frame after a quiet spell opens a
      // new window, and guessing "same window" would cost a failed write (a write unit and a round trip).
      const knownStart = windowStarts.get(connectionId);
      if (knownStart === undefined || knownStart <= now - windowMs) attempts.reverse();
      // A concurrent frame may open the window between the two attempts: go round once more.
      for (let round = 0; round < 2; round += 1) {
        for (const attempt of attempts) {
          const output = await conditional(() =>
            send(
              new UpdateCommand({
                TableName,
                Key: { [PARTITION_KEY]: connectionPk(connectionId) },
                ...attempt,
                ReturnValues: 'ALL_NEW',
                ...capacity,
              }),
            ),
          );
          if (output?.Attributes) {
            rememberWindow(connectionId, Number(output.Attributes.windowStart));
            return { status: 'counted', connection: toConnection(output.Attributes), framesInWindow: Number(output.Attributes.frames) };
          }
        }
        const current = await this.getConnection(connectionId);
        if (!current) return { status: 'missing' };
        if (current.lastMessageId === messageId) return { status: 'duplicate' };
        if (round === 1) return { status: 'contended', connection: current }; // other frames kept winning
      }
      return { status: 'missing' };
    },
  };

  /** Every page of one index partition (members of a room, a room's history, the room counters). */
  async function* queryPages(query: IndexQuery): AsyncGenerator<StoreOutput> {
    const rooms = query.index === ROOMS_INDEX;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await send(
        new QueryCommand({
          TableName,
          IndexName: query.index ?? MEMBERS_INDEX,
          KeyConditionExpression: '#partition = :partition',
          ExpressionAttributeNames: { '#partition': rooms ? ROOMS_INDEX_PARTITION_KEY : MEMBERS_INDEX_PARTITION_KEY, ...query.names },
          ExpressionAttributeValues: { ':partition': query.partition, ...query.values },
          ...(query.projection ? { ProjectionExpression: query.projection } : {}),
          ...(query.filter ? { FilterExpression: query.filter } : {}),
          ...(query.select ? { Select: query.select } : {}),
          ...(query.newestFirst ? { ScanIndexForward: false } : {}),
          ExclusiveStartKey,
          Limit: query.pageSize,
          ...capacity,
        }),
      );
      ExclusiveStartKey = page.LastEvaluatedKey;
      yield page;
    } while (ExclusiveStartKey);
  }

  async function* queryIndex(query: IndexQuery): AsyncGenerator<Item[]> {
    for await (const page of queryPages(query)) yield page.Items ?? [];
  }

  function claimItem(key: string, nickname: string, connectionId: string, connectedAt: number, claimedAt: number, loginSeq: number) {
    return {
      [PARTITION_KEY]: claimPk(key),
      nickname,
      connectionId,
      claimedAt,
      loginSeq,
      [TTL_ATTRIBUTE]: expiryFor(connectedAt),
    };
  }
}

function toConnection(item: Record<string, unknown>): ConnectionRecord {
  return {
    connectionId: String(item.connectionId),
    connectedAt: Number(item.connectedAt),
    nickname: typeof item.nickname === 'string' ? item.nickname : null,
    nicknameKey: typeof item[MEMBERS_INDEX_SORT_KEY] === 'string' ? (item[MEMBERS_INDEX_SORT_KEY] as string) : null,
    ignoring: item.ignoring === true,
    room: typeof item[MEMBERS_INDEX_PARTITION_KEY] === 'string' ? (item[MEMBERS_INDEX_PARTITION_KEY] as string) : null,
    expiresAt: Number(item[TTL_ATTRIBUTE]),
    lastMessageId: typeof item.lastMessageId === 'string' ? item.lastMessageId : null,
    frameSeq: typeof item.frameSeq === 'number' ? item.frameSeq : 0,
  };
}

function toClaim(key: string, item: Record<string, unknown>): ClaimRecord {
  return {
    key,
    nickname: String(item.nickname),
    connectionId: String(item.connectionId),
    claimedAt: Number(item.claimedAt),
    expiresAt: Number(item[TTL_ATTRIBUTE]),
    loginSeq: typeof item.loginSeq === 'number' ? item.loginSeq : 0,
  };
}

function toRoomCount(item: Record<string, unknown>): RoomCount {
  return { room: String(item[PARTITION_KEY]).slice(ROOM_PREFIX.length), count: Math.max(0, Number(item[ROOMS_INDEX_SORT_KEY])) };
}

function toMember(item: Record<string, unknown>): Member {
  return {
    connectionId: String(item[PARTITION_KEY]).slice(CONNECTION_PREFIX.length),
    nickname: String(item.nickname),
    ignoring: item.ignoring === true,
  };
}
