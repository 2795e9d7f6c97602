// `/resume TOKEN [SEQ]` (and `?resume=` at `$connect`): a new connection gets its user's nickname back
// from the token of its last login, taking it over from a stale connection that still holds it,
// returns to its room with its ignore flag, and is sent what the room kept after SEQ. The token is
// rotated on every resume (two resumes with one token: one wins). Within the resume grace the room
// hears nothing; after it, the leave was announced, so the return is.
import { chatError, errorEvent, REPLAY_MAX, timestamp, type RoomEvent } from '../core/events.ts';
import { HISTORY_DEFAULT } from '../core/frame.ts';
import { parseResumeToken } from '../core/resume-token.ts';
import { announcements } from '../core/rules.ts';
import type { Fanout } from '../fanout.ts';
import type { ClaimRecord, ConnectionRecord, ResumeRecord } from '../store.ts';
import { claimedNicknameError, ownedElsewhere, ownerBinder, type SignedIn } from './claimed-nickname.ts';
import type { ChatContext } from './context.ts';
import { systemEvent, type Delivery, type Recipient } from './delivery.ts';
import type { WelcomeTask } from './later.ts';
import { issueToken, newSession, secretMatches } from './resume-secret.ts';

/** Who the connection is now, and the token for its `login` event; or why the resume failed. */
export type ResumeOutcome =
  | { ok: true; nickname: string; room: string; ignoring: boolean; resume: string }
  | { ok: false; message: string }
  /** The connection closed meanwhile: nothing to say to anyone. */
  | null;

/** A token found current: the nickname key it names, and that name's record as read. */
export interface CurrentToken {
  readonly key: string;
  readonly record: ResumeRecord;
}

export interface Resume {
  /**
   * The token's record if the token is current (read only: `?resume=` checks before writing), else why
   * not. With `owner` (NICKNAME_FROM_CLAIM), only a record of that account, of the name it may use.
   */
  verify(token: string, owner: SignedIn | null): Promise<{ ok: true; current: CurrentToken } | { ok: false; message: string }>;
  /**
   * Takes the user of `token` over to `connection` (verifying it, or with what `verify` found); announces
   * the return if the room heard the leave. With `owner`, the name is bound to its account first.
   */
  takeOver(fanout: Fanout, connection: ConnectionRecord, token: string | CurrentToken, owner: SignedIn | null): Promise<ResumeOutcome>;
  /** The `login` event, the replay of what the room kept after `afterSeq` (or its recent history), `resumed`. */
  welcomeBack(fanout: Fanout, to: Recipient, resumed: Extract<ResumeOutcome, { ok: true }>, afterSeq: number | null): Promise<void>;
  /** `/resume`: both, or a RESUME_FAILED error that changed nothing. */
  command(fanout: Fanout, sender: ConnectionRecord, token: string, afterSeq: number | null, owner: SignedIn | null): Promise<void>;
  /** A `?resume=` handshake's welcome: waits (bounded) until its connection can receive, then `welcomeBack`. */
  welcomeWhenConnected(fanout: Fanout, task: WelcomeTask): Promise<void>;
}

/** How long a replay waits for events numbered but not yet kept before it calls them missing. */
const REPLAY_SETTLE_MS = 250;

/** Whether the events skip a number, or stop before `latest`. */
function hasHoleOrTail(events: readonly RoomEvent[], latest: number): boolean {
  const last = events.at(-1);
  if (last !== undefined && last.seq < latest) return true;
  return events.some((event, i) => i > 0 && event.seq !== (events[i - 1]?.seq ?? 0) + 1);
}

/**
 * How long a `?resume=` connection may take to open, from its `connectedAt`: CONNECT_GRACE_MS, but never
 * less than this (a grace of 0 says evict at once, not "$connect takes no time").
 */
export const MIN_WELCOME_WAIT_MS = 10_000;
const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 500;

const NOT_CURRENT = 'The resume token is not valid (expired, already used, or not one this server issued). Log in with /nick NAME.';
const NOT_YOURS = 'The resume token was issued to another account (or before sign-in named accounts). Log in with /nick NAME.';

export function createResume(context: ChatContext, delivery: Delivery): Resume {
  const { store, clock, log, connectGraceMs, resumeTokenTtlSeconds } = context;
  const bindOwner = ownerBinder(context);

  async function verify(token: string, owner: SignedIn | null): Promise<{ ok: true; current: CurrentToken } | { ok: false; message: string }> {
    const parsed = parseResumeToken(token);
    const record = parsed ? await store.getResume(parsed.nicknameKey) : null;
    if (!parsed || !record || record.expiresAt * 1000 <= clock() || !secretMatches(parsed.secret, record.tokenHash)) {
      return { ok: false, message: NOT_CURRENT };
    }
    if (owner) {
      // A token carries the name, not the account: without this, someone else's token (leaked, or of a
      // name the IdP has since given to another user) would seat another account under the name.
      if (record.sub !== owner.sub) return { ok: false, message: NOT_YOURS };
      const notYours = claimedNicknameError(owner, record.nickname);
      if (notYours) return { ok: false, message: notYours.message };
    }
    return { ok: true, current: { key: parsed.nicknameKey, record } };
  }

  async function welcomeWhenConnected(fanout: Fanout, task: WelcomeTask): Promise<void> {
    const deadline = task.connectedAt + Math.max(connectGraceMs, MIN_WELCOME_WAIT_MS);
    // GET @connections answers 410 until $connect has returned and the socket is open.
    for (let wait = FIRST_POLL_MS; !(await fanout.isConnected(task.connectionId)); wait = Math.min(wait * 2, MAX_POLL_MS)) {
      if (clock() + wait > deadline) {
        log.warn('a resumed connection never opened; its welcome is dropped', { connectionId: task.connectionId });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const { nickname, room, ignoring, resume } = task;
    await welcomeBack(fanout, { connectionId: task.connectionId, format: task.format }, { ok: true, nickname, room, ignoring, resume }, task.afterSeq);
  }

  async function takeOver(fanout: Fanout, connection: ConnectionRecord, token: string | CurrentToken, owner: SignedIn | null): Promise<ResumeOutcome> {
    const { connectionId } = connection;
    if (connection.nickname) return { ok: false, message: `You are ${connection.nickname} already: resume on a new connection.` };
    const verified = typeof token === 'string' ? await verify(token, owner) : { ok: true as const, current: token };
    if (!verified.ok) return verified;
    const { key, record } = verified.current;
    // The binding may have lapsed while the token did not, and another account taken the name since.
    if (owner && !(await bindOwner(key, record.nickname, owner, connectionId))) return { ok: false, message: ownedElsewhere(record.nickname).message };
    const now = clock();
    const loginSeq = await store.beginLogin(connectionId);
    if (loginSeq === null) return null;
    const issued = issueToken(key);
    const previousHolder = record.connectionId ?? record.awayFrom;
    const rotation = { tokenHash: issued.tokenHash, connectionId, loginSeq, now, resumedFrom: previousHolder, sub: owner?.sub ?? null };
    const before = await store.rotateResume(key, record.tokenHash, { ...rotation, expiresAt: Math.floor(now / 1000) + resumeTokenTtlSeconds });
    if (!before) return { ok: false, message: NOT_CURRENT }; // another resume with this token won
    const { nickname } = before;

    const taken = await claim(key, nickname, connection, loginSeq, before);
    if (taken === 'taken') return { ok: false, message: `The nickname "${nickname}" was taken by someone else meanwhile. Log in with /nick NAME.` };
    const holder = taken?.connectionId ?? null;
    // A connection still holding the name knows where its user is now (a /join since the token's record).
    const holding = holder === null ? null : await store.getConnection(holder);
    const room = holding?.room ?? before.room;
    const ignoring = holding?.room ? holding.ignoring : before.ignoring;
    // The session comes along: an id re-sent from here is the same message as from the old connection.
    const change = await store.setNickname(connectionId, nickname, key, room, loginSeq, { ignoring, session: before.session || newSession() });
    if (change.status !== 'set') {
      // This connection closed, or a newer /nick of it took effect: the name goes back to whoever had it,
      // or a connection that still uses it would be left holding no claim (anyone could take it).
      if (taken) await giveBack(key, taken, connectionId);
      else await store.releaseClaim(key, connectionId, { by: 'exactly', loginSeq });
      return change.status === 'missing' ? null : { ok: false, message: 'A newer login of this connection took effect.' };
    }
    await store.enterRoom(room);
    if (holder !== null) {
      // Its socket is closed, and it is removed here as well: a stale socket may never see a $disconnect.
      // Its claim is ours now, so its removal announces nothing.
      await fanout.close(holder);
      await delivery.removeConnection(fanout, holder);
    }
    // The room heard this user leave (the grace had passed, or there was none): it hears the return.
    if (before.awayFrom !== null && before.leftAnnounced === before.awayFrom) {
      await delivery.publish(fanout, systemEvent(announcements.joined(nickname), room), 'system', { exclude: connectionId });
    }
    return { ok: true, nickname, room, ignoring, resume: issued.token };
  }

  /**
   * The name for this connection: the claim it took over (its holder is to be closed), null when it
   * claimed a free name, 'taken' when another user has it.
   */
  async function claim(
    key: string,
    nickname: string,
    connection: ConnectionRecord,
    loginSeq: number,
    before: ResumeRecord,
  ): Promise<ClaimRecord | null | 'taken'> {
    const { connectionId, connectedAt } = connection;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const result = await store.claimNickname(key, nickname, connectionId, connectedAt, loginSeq);
      if (result.claimed) return null;
      const holder = result.holder;
      if (!holder) continue; // released between the write and the read: claim it fresh
      // Only the connection this user last had may be taken over; anyone else got the name fairly.
      if (holder.connectionId !== before.connectionId && holder.connectionId !== before.awayFrom) return 'taken';
      if (await store.takeOverClaim(holder, nickname, connectionId, connectedAt, loginSeq)) return holder;
    }
    return 'taken';
  }

  /** Hands a taken-over claim back to the connection it came from, if that one still uses the name. */
  async function giveBack(key: string, previous: ClaimRecord, from: string): Promise<void> {
    const [ours, holder] = await Promise.all([store.getClaim(key), store.getConnection(previous.connectionId)]);
    if (ours?.connectionId !== from) return; // not ours any more: nothing to give back
    if (holder?.nicknameKey === key) await store.takeOverClaim(ours, previous.nickname, previous.connectionId, holder.connectedAt, previous.loginSeq);
    else await store.releaseClaim(key, from);
  }

  async function welcomeBack(fanout: Fanout, to: Recipient, resumed: Extract<ResumeOutcome, { ok: true }>, afterSeq: number | null): Promise<void> {
    const { nickname, room, ignoring } = resumed;
    await delivery.reply(fanout, to, { type: 'login', at: timestamp(), nickname, resume: resumed.resume });
    const { events, gap } = afterSeq === null ? { events: await store.history(room, HISTORY_DEFAULT), gap: false } : await replay(room, afterSeq);
    // Someone ignoring broadcasts is not sent messages, kept ones included.
    const shown = ignoring ? events.filter((event) => event.type === 'system') : events;
    await delivery.sendEvents(fanout, to, room, shown);
    await delivery.reply(fanout, to, { type: 'resumed', at: timestamp(), nickname, room, replayed: shown.length, gap });
  }

  /**
   * What `room` kept after `afterSeq` (the newest REPLAY_MAX), and `gap`: whether anything after
   * afterSeq is missing from it (expired, beyond REPLAY_MAX, or given a number but never kept).
   */
  async function replay(room: string, afterSeq: number): Promise<{ events: RoomEvent[]; gap: boolean }> {
    const latest = await store.latestSeq(room);
    // A counter behind the client's seq restarted (the room's history expired meanwhile): all of it is new.
    const from = latest < afterSeq ? 0 : afterSeq;
    const read = async () => (latest > from ? store.historyAfter(room, from, REPLAY_MAX) : []);
    let events = await read();
    // A number given out just before this read may belong to an event still being kept by another
    // invocation (broadcast to the members of that moment, this connection not yet among them): read once more.
    if (events.length === 0 ? latest > from : hasHoleOrTail(events, latest)) {
      await new Promise((resolve) => setTimeout(resolve, REPLAY_SETTLE_MS));
      events = await read();
    }
    const first = events[0]?.seq ?? latest + 1;
    return { events, gap: from !== afterSeq || first > from + 1 || hasHoleOrTail(events, latest) };
  }

  return {
    takeOver,
    welcomeBack,
    verify,
    welcomeWhenConnected,
    async command(fanout, sender, token, afterSeq, owner) {
      const outcome = await takeOver(fanout, sender, token, owner);
      if (outcome === null) return;
      if (!outcome.ok) return delivery.reply(fanout, sender, errorEvent(chatError('RESUME_FAILED', outcome.message)));
      await welcomeBack(fanout, sender, outcome, afterSeq);
    },
  };
}
