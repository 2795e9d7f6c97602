// What the store keeps and the operations the chat may ask of it: records as the chat sees them,
// not as DynamoDB stores them (functions/store/*.ts map between the two).
import type { RoomCount, RoomEvent } from '../core/events.ts';
import type { Member, RoomRecipient } from '../core/rules.ts';
import type { EventFormat } from '../core/text-format.ts';

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
  /** How the connection wants its events (`?format=` at `$connect`). */
  format: EventFormat;
  /**
   * The user's session: made by a login on a fresh connection, kept through renames and carried over
   * by resumes. Client ids are unique within it (not within a nickname, which someone else may take later).
   */
  session: string | null;
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

/** What became of a client id's claim (`claimSentMessage`). */
export type SentMessageClaim =
  /** This frame sends the message. */
  | { status: 'claimed' }
  /** Sent before, as event `seq` of `room`: acknowledge that again. */
  | { status: 'stored'; seq: number; room: string }
  /** Another frame with the id is sending it now. */
  | { status: 'pending' };

/** A nickname's resume state: the hash of its token, who uses the name, and where they were. */
export interface ResumeRecord {
  nickname: string;
  /** SHA-256 of the token's secret, base64url; the token itself is never stored. */
  tokenHash: string;
  /** The connection using the name; null once it went away. */
  connectionId: string | null;
  /** The session a resume carries over (see ConnectionRecord.session). */
  session: string;
  /** The login of that connection that issued the token. */
  loginSeq: number;
  room: string;
  ignoring: boolean;
  /** Epoch seconds (DynamoDB TTL): the token is refused after this. */
  expiresAt: number;
  /** The connection that went away, and when (epoch ms). */
  awayFrom: string | null;
  awayAt: number | null;
  /** The connection the last resume took the name over from (so its deferred leave stays silent). */
  resumedFrom: string | null;
  /** The connection whose leave the room was told of. */
  leftAnnounced: string | null;
  /** Under NICKNAME_FROM_CLAIM, the account (authorizer `sub`) whose connection uses the name; null otherwise. */
  sub: string | null;
}

/**
 * Under NICKNAME_FROM_CLAIM, the account a nickname key is bound to: the `sub` that last logged in or
 * resumed under it, until `expiresAt`. Another account cannot take the key (in any spelling) meanwhile.
 */
export interface NicknameOwner {
  key: string;
  sub: string;
  /** The spelling it last used. */
  nickname: string;
  /** Epoch ms of that login or resume. */
  boundAt: number;
  /** Epoch seconds (DynamoDB TTL): the binding counts as gone after this. */
  expiresAt: number;
}

/** The outcome of counting one incoming frame against its connection's rate window. */
export type FrameCount =
  | { status: 'counted'; connection: ConnectionRecord; framesInWindow: number; windowStart: number }
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

/** Requests sent, read by tests that bound a command's cost. */
export interface StoreMetrics {
  requests: number;
}

export interface ChatStore {
  readonly metrics: StoreMetrics;
  /** Idempotent: a repeated `$connect` for the same id leaves an existing item untouched. */
  createConnection(connectionId: string, connectedAt: number, format?: EventFormat): Promise<void>;
  getConnection(connectionId: string): Promise<ConnectionRecord | null>;
  /** Deletes and returns the old item; with `connectedBefore`, only a connection older than that (epoch ms). */
  deleteConnection(connectionId: string, connectedBefore?: number): Promise<ConnectionRecord | null>;
  /**
   * Numbers a new login of the connection (1, 2, …): the order in which its concurrent logins count.
   * Null when the connection is gone.
   */
  beginLogin(connectionId: string): Promise<number | null>;
  /** Sets the nickname and room membership, unless a newer login of the connection already set one. */
  /**
   * Sets the nickname and room membership, unless a newer login of the connection already set one;
   * `session` only if the connection has none yet (a rename keeps its session), `ignoring` if given.
   */
  setNickname(
    connectionId: string,
    nickname: string,
    key: string,
    room: string,
    loginSeq: number,
    extra: { session: string; ignoring?: boolean },
  ): Promise<NicknameChange>;
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
  /** Deletes the claim only while `connectionId` holds it, and only if `release` allows; true if it did. */
  releaseClaim(key: string, connectionId: string, release?: ClaimRelease): Promise<boolean>;
  /** Logged-in members of a room, a page at a time, from the sparse index (never a Scan). */
  members(room: string): AsyncGenerator<Member[]>;
  /**
   * The same members as a broadcast needs them (no names: a smaller answer to parse), a page at a time;
   * with `firstPage`, the first page holds at most that many and the pages grow from there (each is
   * posted to while the next is read), up to DynamoDB's 1 MB.
   */
  recipients(room: string, firstPage?: number): AsyncGenerator<RoomRecipient[]>;
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
  /** The next event number of `room` (1 for its first), atomically: no two callers get the same. */
  nextSeq(room: string): Promise<number>;
  /** The last number given out in `room` (0: none yet, or the counter expired with the room's history). */
  latestSeq(room: string): Promise<number>;
  /** Keeps a numbered room event in its room's history. */
  addRoomEvent(event: RoomEvent): Promise<void>;
  /**
   * Claims a client id of a sender (its nickname key) before the message is numbered; a claim left
   * unnumbered for `settleMs` (its sender crashed) is taken over.
   */
  claimSentMessage(senderKey: string, clientId: string, frameId: string, settleMs: number): Promise<SentMessageClaim>;
  /** Numbers a claimed message and puts it in its room's history. */
  storeSentMessage(senderKey: string, clientId: string, event: Extract<RoomEvent, { type: 'message' }>): Promise<void>;
  /** The newest `limit` kept events of `room`, oldest first. */
  history(room: string, limit: number): Promise<RoomEvent[]>;
  /** The newest `limit` kept events of `room` after `afterSeq`, oldest first. */
  historyAfter(room: string, afterSeq: number, limit: number): Promise<RoomEvent[]>;
  /** Writes the resume record of a login; false when a newer login of the same connection wrote one. */
  issueResume(
    key: string,
    record: Pick<ResumeRecord, 'nickname' | 'tokenHash' | 'loginSeq' | 'room' | 'ignoring' | 'expiresAt' | 'session' | 'sub'> & { connectionId: string },
  ): Promise<boolean>;
  getResume(key: string): Promise<ResumeRecord | null>;
  /**
   * Replaces the token hash `fromHash` (if still current and unexpired) and gives the record to a
   * new connection; returns the record as it was, or null when the token is no longer current.
   */
  rotateResume(
    key: string,
    fromHash: string,
    /** `resumedFrom`: the connection that had the name (its leave stays silent); `sub`: the new connection's account. */
    to: { tokenHash: string; connectionId: string; loginSeq: number; expiresAt: number; now: number; resumedFrom: string | null; sub: string | null },
  ): Promise<ResumeRecord | null>;
  /** Where the user of `connectionId` is now, for a later resume. */
  updateResumePlace(key: string, connectionId: string, place: { room: string; ignoring: boolean }): Promise<void>;
  /** The connection went away; false when the record is not its own any more (resumed, or another login). */
  markAway(key: string, connectionId: string, away: { at: number; room: string; ignoring: boolean; leftAnnounced: boolean }): Promise<boolean>;
  /** Whether the last resume of the name took it from `connectionId` (a conditional write: no read grant needed). */
  wasResumedFrom(key: string, connectionId: string): Promise<boolean>;
  /**
   * True once for the connection that went away, while the record still says so (no resume, rename or
   * other login since): then announce the leave.
   */
  claimLeftAnnouncement(key: string, awayFrom: string): Promise<boolean>;
  /** Deletes the record while `connectionId` owns it (the name was given up). */
  dropResume(key: string, connectionId: string): Promise<void>;
  /**
   * Binds `key` to `owner.sub` until `owner.expiresAt` (epoch seconds), or refreshes the binding of the
   * same `sub`: a conditional write, so of two accounts binding one key at once exactly one succeeds.
   * False when another account holds an unexpired binding (nothing is written then).
   */
  bindNickname(key: string, owner: { sub: string; nickname: string; now: number; expiresAt: number }): Promise<boolean>;
  /** The binding of `key`, expired or not (DynamoDB TTL deletes it some time after `expiresAt`). */
  getNicknameOwner(key: string): Promise<NicknameOwner | null>;
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
  /** Ask DynamoDB for consumed capacity on every call (the benchmark's metered emulator adds it up). */
  measureCapacity?: boolean;
  /** Members per Query page; default: DynamoDB's 1 MB pages. Smaller pages exercise the paging path. */
  membersPageSize?: number;
  /** How long `/history` entries live (DynamoDB TTL); default: the `historyTtlSeconds` setting's. */
  historyTtlSeconds?: number;
  clock?: () => number;
}
