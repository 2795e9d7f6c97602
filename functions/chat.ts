// The chat: what each route does, wiring the pure core to the store and the fan-out.
// Identity always comes from the event's connection id, never from the frame.
import {
  chatError,
  errorEvent,
  HELP_TEXT,
  historyEvents,
  MAX_EVENT_BYTES,
  ROOMS_LISTED,
  timestamp,
  USERS_LISTED,
  type ChatError,
  type RoomCount,
  type ServerEvent,
} from './core/events.ts';
import { HISTORY_DEFAULT, parseFrame, type ChatCommand } from './core/frame.ts';
import { nicknameKey, parseNickname } from './core/nickname.ts';
import { LOBBY } from './core/room.ts';
import { accessError, announcements, isRateLimited, recipientFilter, type Audience } from './core/rules.ts';
import type { ConnectAuth } from './connect-auth.ts';
import { retryDeadline, type Fanout } from './fanout.ts';
import type { Logger } from './log.ts';
import type { ChatStore, ConnectionRecord } from './store.ts';
import type { InvocationClock, WebSocketEvent, WebSocketResult } from './websocket-event.ts';

export interface ChatOptions {
  store: ChatStore;
  /** The management API client for the API and stage this event came through. */
  fanoutFor(event: WebSocketEvent): Fanout;
  log: Logger;
  clock?: () => number;
  /**
   * A connection younger than this may still be inside its `$connect` (API Gateway answers 410 for it
   * until `$connect` returns), so a 410 does not evict it. Longer than any `$connect` takes.
   */
  connectGraceMs?: number;
  /** A claim whose holder no longer uses that name (a crash between writes) may be taken over after this. */
  claimSettleMs?: number;
  /** Frames each connection may send per window; more get one RATE_LIMITED and are dropped. 0 = no limit. */
  rateLimit?: { frames: number; windowMs: number };
  /** Checks a `$connect` before anything is written; none = everyone may connect. */
  authorize?: ConnectAuth | null;
}


/** 30 frames per 10 s: well above anyone typing, well below a script flooding the room. */
export const DEFAULT_RATE_LIMIT = { frames: 30, windowMs: 10_000 };

const OK: WebSocketResult = { statusCode: 200 };

export interface Chat {
  /** `invocation` (the Lambda context): fan-out starts no retry it could not finish in the time left. */
  connect(event: WebSocketEvent, invocation?: InvocationClock): Promise<WebSocketResult>;
  disconnect(event: WebSocketEvent, invocation?: InvocationClock): Promise<WebSocketResult>;
  message(event: WebSocketEvent, invocation?: InvocationClock): Promise<WebSocketResult>;
  /** A server-initiated system message to the given rooms, or to every room; returns the rooms it went to. */
  push(fanout: Fanout, text: string, rooms?: readonly string[]): Promise<string[]>;
  /** Rooms with anyone in them (lobby always), with their member counts. */
  roomCounts(): Promise<RoomCount[]>;
}

export function createChat(options: ChatOptions): Chat {
  const { store, log } = options;
  const clock = options.clock ?? Date.now;
  const connectGraceMs = options.connectGraceMs ?? 30_000;
  const claimSettleMs = options.claimSettleMs ?? 30_000;
  const rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;

  const encode = (event: ServerEvent): Uint8Array => {
    const data = Buffer.from(JSON.stringify(event));
    // Every reply is bounded by construction; one that is not is a bug, and must fail loudly, not vanish.
    if (data.byteLength > MAX_EVENT_BYTES) throw new Error(`a ${event.type} event of ${data.byteLength} bytes is over ${MAX_EVENT_BYTES}`);
    return data;
  };

  /** Sends one event to every member of `room` who should get it; cleans up any that are gone. */
  async function broadcast(fanout: Fanout, room: string, event: ServerEvent, audience: Audience, exclude?: string): Promise<void> {
    const data = encode(event); // serialised once, not per recipient
    const accepts = recipientFilter(audience);
    const deliveries = [];
    // Post each page while the next one is read; the fan-out's bound limits posts in flight.
    for await (const page of store.members(room)) {
      const ids = page.filter((member) => accepts(member) && member.connectionId !== exclude).map((member) => member.connectionId);
      deliveries.push(fanout.postToAll(ids, data));
    }
    const gone = (await Promise.all(deliveries)).flatMap((result) => result.gone);
    // The event went out: cleaning up after it must not fail the sender's frame (who would resend it).
    const evictions = await Promise.allSettled(gone.map((connectionId) => evictIfGone(fanout, connectionId)));
    for (const eviction of evictions) {
      if (eviction.status === 'rejected') log.warn('removing a gone connection failed', { error: String(eviction.reason) });
    }
  }

  /** Removes a connection whose socket is gone (410) and announces its leave; younger ones are spared. */
  async function evictIfGone(fanout: Fanout, connectionId: string): Promise<void> {
    if (await removeConnection(fanout, connectionId, clock() - connectGraceMs)) log.info('removed a gone connection', { connectionId });
  }

  /**
   * Deletes the connection (with `connectedBefore`, only one older than that), frees its nickname and
   * announces its leave to its room. False when there was nothing (left) to remove.
   */
  async function removeConnection(fanout: Fanout, connectionId: string, connectedBefore?: number): Promise<boolean> {
    const removed = await store.deleteConnection(connectionId, connectedBefore);
    if (!removed) return false;
    if (removed.nicknameKey) await store.releaseClaim(removed.nicknameKey, removed.connectionId);
    if (removed.room) await store.leaveRoom(removed.room);
    if (removed.nickname && removed.room) {
      await broadcast(fanout, removed.room, system(announcements.left(removed.nickname), removed.room), 'system');
    }
    return true;
  }

  async function reply(fanout: Fanout, connectionId: string, event: ServerEvent): Promise<void> {
    const outcome = await fanout.post(connectionId, encode(event));
    if (outcome === 'too-large') {
      // API Gateway's limit may be lower than ours (a custom stage setting): say so rather than go silent.
      const tooLarge = chatError('TOO_LARGE', `The ${event.type} reply was too large to deliver.`);
      await fanout.post(connectionId, encode(errorEvent(tooLarge)));
    }
  }

  /**
   * Claims `key` for the connection, taking over a claim whose holder is provably gone or no longer
   * uses the name. Returns the error to report, null when a newer login of the same connection
   * overtook this one (its outcome stands, so this one says nothing), or the connection as it was.
   */
  async function logIn(
    fanout: Fanout,
    connection: ConnectionRecord,
    nickname: string,
    key: string,
  ): Promise<{ ok: true; previous: ConnectionRecord } | { ok: false; error: ChatError } | null> {
    const { connectionId, connectedAt } = connection;
    const closedDuringLogin = chatError('NOT_LOGGED_IN', 'The connection closed during login.');
    // Frames of one connection run concurrently: numbering its logins lets every write below say
    // which login it belongs to, so a late, older login can neither undo a newer name nor free its claim.
    const loginSeq = await store.beginLogin(connectionId);
    if (loginSeq === null) return { ok: false, error: closedDuringLogin };
    const taken = chatError('NICKNAME_TAKEN', `The nickname "${nickname}" is taken.`);
    const claim = await store.claimNickname(key, nickname, connectionId, connectedAt, loginSeq);
    if (!claim.claimed) {
      const holder = claim.holder;
      if (holder && !(await isAbandoned(fanout, holder.connectionId, key, holder.claimedAt))) return { ok: false, error: taken };
      // Take the abandoned claim over; if it is gone instead (released between our write and our read,
      // or by the eviction just now), try once more as a fresh claim.
      const retried =
        (holder !== null && (await store.takeOverClaim(holder, nickname, connectionId, connectedAt, loginSeq))) ||
        (await store.claimNickname(key, nickname, connectionId, connectedAt, loginSeq)).claimed;
      if (!retried) return { ok: false, error: taken };
    }
    const change = await store.setNickname(connectionId, nickname, key, LOBBY, loginSeq);
    if (change.status !== 'set') {
      // Give the name back, unless a newer login of this connection claimed it meanwhile.
      await store.releaseClaim(key, connectionId, { by: 'exactly', loginSeq });
      return change.status === 'missing' ? { ok: false, error: closedDuringLogin } : null; // missing: $disconnect ran
    }
    const { previous } = change;
    if (!previous.room) await store.enterRoom(LOBBY); // a first login enters the lobby
    // The replaced name is freed only from older logins: a newer one may be claiming it right now.
    if (previous.nicknameKey && previous.nicknameKey !== key) {
      await store.releaseClaim(previous.nicknameKey, connectionId, { by: 'older', loginSeq });
    }
    return { ok: true, previous };
  }

  /**
   * A claim's holder has abandoned it when its connection item is gone or expired, when it has moved to
   * another name and the claim has settled (an orphan of a crash between writes), or when it still holds
   * the name but its socket answers 410 (a `$disconnect` that never came) — then it is evicted here.
   */
  async function isAbandoned(fanout: Fanout, holderId: string, key: string, claimedAt: number): Promise<boolean> {
    const holder = await store.getConnection(holderId);
    const now = clock();
    if (!holder || holder.expiresAt * 1000 < now) return true;
    if (holder.nicknameKey !== key) return now - claimedAt > claimSettleMs;
    if (now - holder.connectedAt < connectGraceMs) return false;
    if (await fanout.isConnected(holderId)) return false;
    await removeConnection(fanout, holderId, now - connectGraceMs);
    return true;
  }

  async function announceLogin(fanout: Fanout, previous: ConnectionRecord, nickname: string, exclude?: string): Promise<void> {
    if (previous.nickname === nickname) return; // same name again: nothing changed for anyone else
    const text = previous.nickname ? announcements.renamed(previous.nickname, nickname) : announcements.joined(nickname);
    const room = previous.room ?? LOBBY; // a rename keeps the room; a first login is in the lobby
    await broadcast(fanout, room, system(text, room), 'system', exclude);
  }

  /**
   * Sends a room's recent messages to one connection, oldest first, in as few `history` events as fit.
   * `always`: answer even when there is nothing (an explicit /history), not only on entering a room.
   */
  async function sendHistory(fanout: Fanout, connectionId: string, room: string, limit: number, always = false): Promise<void> {
    const messages = (await store.history(room, limit)).map((entry) => ({ at: entry.sentAt, room, from: entry.from, text: entry.text }));
    const events = historyEvents(room, messages, timestamp());
    if (events.length === 0 && always) events.push({ type: 'history', at: timestamp(), room, messages: [] });
    // One at a time: posts in parallel could arrive out of order.
    for (const event of events) await reply(fanout, connectionId, event);
  }

  async function moveTo(fanout: Fanout, sender: ConnectionRecord, room: string): Promise<void> {
    const id = sender.connectionId;
    const from = sender.room ?? LOBBY;
    const nickname = sender.nickname as string;
    if (room === from) return reply(fanout, id, { type: 'room', at: timestamp(), room });
    // Counted in first, so a failure leaves the user where they were, able to retry.
    await store.enterRoom(room);
    const before = await store.moveToRoom(id, room);
    if (!before) {
      await store.leaveRoom(room);
      return reply(fanout, id, errorEvent(chatError('NOT_LOGGED_IN', 'Log in first: /nick NAME')));
    }
    const previousRoom = before.room ?? from;
    // A concurrent /join of the same room got there first: it counted, announced and replied.
    await store.leaveRoom(previousRoom);
    if (previousRoom === room) return;
    await reply(fanout, id, { type: 'room', at: timestamp(), room });
    if (!sender.ignoring) await sendHistory(fanout, id, room, HISTORY_DEFAULT);
    await Promise.all([
      broadcast(fanout, previousRoom, system(announcements.left(nickname), previousRoom), 'system'),
      broadcast(fanout, room, system(announcements.joined(nickname), room), 'system'),
    ]);
  }

  /** The lobby first (always), then the busiest rooms; `count` is every room with anyone in it. */
  async function roomListing(): Promise<{ rooms: RoomCount[]; count: number }> {
    const listing = await store.busiestRooms(ROOMS_LISTED);
    const lobby = listing.rooms.find((listed) => listed.room === LOBBY) ?? { room: LOBBY, count: await store.roomCount(LOBBY) };
    const others = listing.rooms.filter((listed) => listed.room !== LOBBY && listed.count > 0);
    return { rooms: [lobby, ...others].slice(0, ROOMS_LISTED), count: listing.total };
  }

  /** Every room with anyone in it (lobby always), with their member counts: what a push to all reaches. */
  async function roomCounts(): Promise<RoomCount[]> {
    const all: RoomCount[] = [];
    for await (const page of store.allRooms()) all.push(...page.filter((counted) => counted.count > 0));
    if (!all.some((counted) => counted.room === LOBBY)) all.push({ room: LOBBY, count: 0 });
    return all.sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0));
  }

  async function run(fanout: Fanout, sender: ConnectionRecord, command: ChatCommand, messageId: string): Promise<void> {
    const id = sender.connectionId;
    switch (command.kind) {
      case 'help':
        return reply(fanout, id, { type: 'help', at: timestamp(), text: HELP_TEXT });
      case 'whoami':
        return reply(fanout, id, { type: 'whoami', at: timestamp(), nickname: sender.nickname, connectionId: id });
      case 'ignore': {
        const ignoring = await store.setIgnoring(id, sender.ignoring);
        return reply(fanout, id, { type: 'ignore', at: timestamp(), ignoring });
      }
      case 'list': {
        const room = sender.room ?? LOBBY;
        const users: string[] = [];
        let complete = true;
        for await (const page of store.members(room)) {
          users.push(...page.map((member) => member.nickname));
          // Bounded reply, bounded reads: past USERS_LISTED the room's counter says how many there are.
          if (users.length >= USERS_LISTED) {
            complete = false;
            break;
          }
        }
        // Index order is by uniqueness key (a look-alike skeleton: `mike` sorts as `rnike`); people read case-folded names.
        const listed = users
          .slice(0, USERS_LISTED)
          .map((nickname) => ({ nickname, folded: nicknameKey(nickname) }))
          .sort((a, b) => (a.folded < b.folded ? -1 : a.folded > b.folded ? 1 : 0))
          .map((entry) => entry.nickname);
        const count = complete ? users.length : Math.max(users.length, await store.roomCount(room));
        return reply(fanout, id, { type: 'users', at: timestamp(), room, users: listed, count });
      }
      case 'nick': {
        const login = await logIn(fanout, sender, command.nickname, command.key);
        if (!login) return; // a newer /nick of this connection took effect instead
        if (!login.ok) return reply(fanout, id, errorEvent(login.error));
        await reply(fanout, id, { type: 'login', at: timestamp(), nickname: command.nickname });
        // Logging in enters the lobby, and entering a room shows its recent messages.
        if (!login.previous.nickname && !sender.ignoring) await sendHistory(fanout, id, LOBBY, HISTORY_DEFAULT);
        return announceLogin(fanout, login.previous, command.nickname);
      }
      case 'join':
        return moveTo(fanout, sender, command.room);
      case 'leave':
        return moveTo(fanout, sender, LOBBY);
      case 'rooms':
        return reply(fanout, id, { type: 'rooms', at: timestamp(), ...(await roomListing()) });
      case 'history':
        return sendHistory(fanout, id, sender.room ?? LOBBY, command.limit, true);
      case 'broadcast': {
        const room = sender.room ?? LOBBY;
        const event = { type: 'message', at: timestamp(), room, from: sender.nickname as string, text: command.text } as const;
        // Kept for /history while it fans out. The sender's frame number orders its messages within a
        // millisecond; the message id keeps entries of different senders apart.
        const order = `${String(sender.frameSeq).padStart(10, '0')}#${messageId}`;
        // A failed history write is logged, not reported: the message itself went out.
        const kept = store
          .addHistory(room, { from: event.from, text: event.text, sentAt: event.at }, order)
          .catch((error: unknown) => log.warn('history write failed', { room, error: String(error) }));
        await broadcast(fanout, room, event, 'message');
        await kept;
        return;
      }
      case 'private':
        return sendPrivate(fanout, sender, command.toKey, command.to, command.text);
    }
  }

  async function sendPrivate(fanout: Fanout, sender: ConnectionRecord, toKey: string, to: string, text: string): Promise<void> {
    const noSuchUser = errorEvent(chatError('NO_SUCH_USER', `No user named "${to}" is online.`));
    const claim = await store.getClaim(toKey);
    const target =
      claim?.connectionId === sender.connectionId ? sender : claim ? await store.getConnection(claim.connectionId) : null;
    // The claim alone is not proof: an orphaned claim (crash mid-rename) must not route to someone else.
    if (!target || target.nicknameKey !== toKey || !target.nickname) return reply(fanout, sender.connectionId, noSuchUser);
    const data = encode({ type: 'private', at: timestamp(), from: sender.nickname as string, to: target.nickname, text });
    const outcome = await fanout.post(target.connectionId, data);
    if (outcome === 'gone') {
      await evictIfGone(fanout, target.connectionId);
      return reply(fanout, sender.connectionId, noSuchUser);
    }
    if (target.connectionId !== sender.connectionId) await fanout.post(sender.connectionId, data);
  }

  /**
   * Loads the sender from its connection id while counting the frame against its rate window (one
   * request for both). Re-creates an item lost to a race so the socket stays usable. Null means: drop
   * the frame (a retried duplicate, or over the rate limit).
   */
  async function loadSender(fanout: Fanout, event: WebSocketEvent, messageId: string): Promise<ConnectionRecord | null> {
    const { connectionId, connectedAt } = event.requestContext;
    let counted = await store.countFrame(connectionId, messageId, clock(), rateLimit.windowMs);
    if (counted.status === 'missing') {
      await store.createConnection(connectionId, connectedAt);
      // A frame handled after its connection's $disconnect (invocations run concurrently) must not leave
      // a re-created item behind: create first, then check the socket, so a $disconnect either sees the
      // item and deletes it, or has already happened and the check finds the socket gone (410).
      if (!(await fanout.isConnected(connectionId))) {
        await removeConnection(fanout, connectionId);
        return null;
      }
      counted = await store.countFrame(connectionId, messageId, clock(), rateLimit.windowMs);
    }
    if (counted.status === 'duplicate') return null;
    if (counted.status === 'missing') return blankConnection(connectionId, connectedAt);
    if (counted.status === 'contended') return counted.connection;
    if (!isRateLimited(counted.framesInWindow, rateLimit.frames)) return counted.connection;
    if (counted.framesInWindow === rateLimit.frames + 1) {
      // Told once per window; the rest of the flood is dropped without a post each.
      const seconds = Math.ceil(rateLimit.windowMs / 1000);
      const limited = chatError('RATE_LIMITED', `Slow down: at most ${rateLimit.frames} frames per ${seconds} s. The rest were dropped.`);
      await reply(fanout, connectionId, errorEvent(limited));
    }
    return null;
  }

  /** Unexpected failures (e.g. DynamoDB still throttling after the SDK's retries) reach the sender as an error. */
  async function guarded(
    event: WebSocketEvent,
    invocation: InvocationClock | undefined,
    work: (fanout: Fanout) => Promise<WebSocketResult>,
  ): Promise<WebSocketResult> {
    let fanout: Fanout | undefined;
    try {
      const shared = options.fanoutFor(event);
      fanout = invocation ? shared.until(retryDeadline(clock(), invocation.getRemainingTimeInMillis())) : shared;
      return await work(fanout);
    } catch (error) {
      const { connectionId, routeKey } = event.requestContext;
      log.error('handler failed', { connectionId, routeKey, error: String(error) });
      if (fanout && event.requestContext.eventType === 'MESSAGE') {
        const failure = chatError('INTERNAL_ERROR', 'The server could not process that; nothing was sent. Please try again.');
        await fanout.post(connectionId, encode(errorEvent(failure))).catch(() => undefined);
      }
      return { statusCode: 500, body: 'Internal server error' };
    }
  }

  return {
    connect: (event, invocation) =>
      guarded(event, invocation, async (fanout) => {
        const { connectionId, connectedAt } = event.requestContext;
        const authorized = options.authorize ? await options.authorize(event) : ({ ok: true } as const);
        if (!authorized.ok) return { statusCode: authorized.statusCode, body: authorized.reason };
        const requested = event.queryStringParameters?.nickname;
        const name = requested === undefined ? null : parseNickname(requested);
        // Validate before writing anything, so a refused handshake leaves no state behind.
        if (name && !name.ok) return { statusCode: 400, body: name.error.message };
        await store.createConnection(connectionId, connectedAt);
        if (!name) return OK;
        const connection = blankConnection(connectionId, connectedAt);
        let login: Awaited<ReturnType<typeof logIn>>;
        try {
          login = await logIn(fanout, connection, name.nickname, name.key);
        } catch (error) {
          // A refused handshake gets no $disconnect: undo what was written, or a ghost holds the name.
          await Promise.allSettled([
            store.deleteConnection(connectionId).then((removed) => (removed?.room ? store.leaveRoom(removed.room) : undefined)),
            store.releaseClaim(name.key, connectionId),
          ]);
          throw error;
        }
        if (!login?.ok) {
          // No other login of this connection can run inside its $connect, so null does not happen here.
          await store.deleteConnection(connectionId);
          return { statusCode: 409, body: login ? login.error.message : 'The login did not complete.' };
        }
        // This connection cannot receive until $connect returns, so it is left out of its own announcement.
        // The login itself succeeded: a failed announcement must not refuse the handshake.
        await announceLogin(fanout, login.previous, name.nickname, connectionId).catch((error: unknown) =>
          log.warn('announcing a login failed', { connectionId, error: String(error) }),
        );
        return OK;
      }),

    disconnect: (event, invocation) =>
      guarded(event, invocation, async (fanout) => {
        await removeConnection(fanout, event.requestContext.connectionId); // a repeated $disconnect finds nothing
        return OK;
      }),

    message: (event, invocation) =>
      guarded(event, invocation, async (fanout) => {
        const { connectionId, messageId, requestId } = event.requestContext;
        const frameId = messageId ?? requestId;
        // Counted before parsing: a flood of garbage is still a flood.
        const sender = await loadSender(fanout, event, frameId);
        if (!sender) return OK;
        const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
        const parsed = parseFrame(body);
        if (!parsed.ok) {
          await reply(fanout, connectionId, errorEvent(parsed.error));
          return OK;
        }
        const denied = accessError(parsed.command, sender);
        if (denied) await reply(fanout, connectionId, errorEvent(denied));
        else await run(fanout, sender, parsed.command, frameId);
        return OK;
      }),

    async push(fanout, text, rooms) {
      const targets = rooms ?? (await roomCounts()).map((counted) => counted.room);
      await Promise.all(targets.map((room) => broadcast(fanout, room, system(text, room), 'system')));
      return [...targets];
    },

    roomCounts,
  };

  function system(text: string, room: string): ServerEvent {
    return { type: 'system', at: timestamp(), room, text };
  }
}

function blankConnection(connectionId: string, connectedAt: number): ConnectionRecord {
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
  };
}
