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
import type { ConnectionRecord, ResumeRecord } from '../store.ts';
import type { ChatContext } from './context.ts';
import { systemEvent, type Delivery, type Recipient } from './delivery.ts';
import type { WelcomeTask } from './later.ts';
import { issueToken, secretMatches } from './resume-secret.ts';

/** Who the connection is now, and the token for its `login` event; or why the resume failed. */
export type ResumeOutcome =
  | { ok: true; nickname: string; room: string; ignoring: boolean; resume: string }
  | { ok: false; message: string }
  /** The connection closed meanwhile: nothing to say to anyone. */
  | null;

export interface Resume {
  /** Takes the user of `token` over to `connection`; announces the return if the room heard the leave. */
  takeOver(fanout: Fanout, connection: ConnectionRecord, token: string): Promise<ResumeOutcome>;
  /** The `login` event, the replay of what the room kept after `afterSeq` (or its recent history), `resumed`. */
  welcomeBack(fanout: Fanout, to: Recipient, resumed: Extract<ResumeOutcome, { ok: true }>, afterSeq: number | null): Promise<void>;
  /** `/resume`: both, or a RESUME_FAILED error that changed nothing. */
  command(fanout: Fanout, sender: ConnectionRecord, token: string, afterSeq: number | null): Promise<void>;
  /** Why `token` cannot resume anyone now, or null if it can (read only: `?resume=` checks before writing). */
  check(token: string): Promise<string | null>;
  /** A `?resume=` handshake's welcome: waits (bounded) until its connection can receive, then `welcomeBack`. */
  welcomeWhenConnected(fanout: Fanout, task: WelcomeTask): Promise<void>;
}

/**
 * How long a `?resume=` connection may take to open, from its `connectedAt`: CONNECT_GRACE_MS, but never
 * less than this (a grace of 0 says evict at once, not "$connect takes no time").
 */
export const MIN_WELCOME_WAIT_MS = 10_000;
const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 500;

const NOT_CURRENT = 'The resume token is not valid (expired, already used, or not one this server issued). Log in with /nick NAME.';

export function createResume({ store, clock, log, connectGraceMs, resumeTokenTtlSeconds }: ChatContext, delivery: Delivery): Resume {
  async function check(token: string): Promise<string | null> {
    const parsed = parseResumeToken(token);
    const record = parsed ? await store.getResume(parsed.nicknameKey) : null;
    if (!parsed || !record || record.expiresAt * 1000 <= clock() || !secretMatches(parsed.secret, record.tokenHash)) return NOT_CURRENT;
    return null;
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

  async function takeOver(fanout: Fanout, connection: ConnectionRecord, token: string): Promise<ResumeOutcome> {
    const { connectionId } = connection;
    if (connection.nickname) return { ok: false, message: `You are ${connection.nickname} already: resume on a new connection.` };
    const parsed = parseResumeToken(token);
    const record = parsed ? await store.getResume(parsed.nicknameKey) : null;
    const now = clock();
    if (!parsed || !record || record.expiresAt * 1000 <= now || !secretMatches(parsed.secret, record.tokenHash)) {
      return { ok: false, message: NOT_CURRENT };
    }
    const key = parsed.nicknameKey;
    const loginSeq = await store.beginLogin(connectionId);
    if (loginSeq === null) return null;
    const issued = issueToken(key);
    const previousHolder = record.connectionId ?? record.awayFrom;
    const rotation = { tokenHash: issued.tokenHash, connectionId, loginSeq, now, resumedFrom: previousHolder };
    const before = await store.rotateResume(key, record.tokenHash, { ...rotation, expiresAt: Math.floor(now / 1000) + resumeTokenTtlSeconds });
    if (!before) return { ok: false, message: NOT_CURRENT }; // another resume with this token won
    const { nickname, room, ignoring } = before;

    const holder = await claim(key, nickname, connection, loginSeq, before);
    if (holder === 'taken') return { ok: false, message: `The nickname "${nickname}" was taken by someone else meanwhile. Log in with /nick NAME.` };
    const change = await store.setNickname(connectionId, nickname, key, room, loginSeq, ignoring);
    if (change.status !== 'set') {
      await store.releaseClaim(key, connectionId, { by: 'exactly', loginSeq });
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

  /** The name for this connection; the connection that held it (to close), null if none; 'taken' by another user. */
  async function claim(
    key: string,
    nickname: string,
    connection: ConnectionRecord,
    loginSeq: number,
    before: ResumeRecord,
  ): Promise<string | null | 'taken'> {
    const { connectionId, connectedAt } = connection;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const result = await store.claimNickname(key, nickname, connectionId, connectedAt, loginSeq);
      if (result.claimed) return null;
      const holder = result.holder;
      if (!holder) continue; // released between the write and the read: claim it fresh
      // Only the connection this user last had may be taken over; anyone else got the name fairly.
      if (holder.connectionId !== before.connectionId && holder.connectionId !== before.awayFrom) return 'taken';
      if (await store.takeOverClaim(holder, nickname, connectionId, connectedAt, loginSeq)) return holder.connectionId;
    }
    return 'taken';
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

  /** What `room` kept after `afterSeq` (the newest REPLAY_MAX), and whether it reaches back to afterSeq + 1. */
  async function replay(room: string, afterSeq: number): Promise<{ events: RoomEvent[]; gap: boolean }> {
    const latest = await store.latestSeq(room);
    // A counter behind the client's seq restarted (the room's history expired meanwhile): all of it is new.
    const from = latest < afterSeq ? 0 : afterSeq;
    const events = latest > from ? await store.historyAfter(room, from, REPLAY_MAX) : [];
    const first = events[0]?.seq ?? latest + 1;
    return { events, gap: from !== afterSeq || first > from + 1 };
  }

  return {
    takeOver,
    welcomeBack,
    check,
    welcomeWhenConnected,
    async command(fanout, sender, token, afterSeq) {
      const outcome = await takeOver(fanout, sender, token);
      if (outcome === null) return;
      if (!outcome.ok) return delivery.reply(fanout, sender, errorEvent(chatError('RESUME_FAILED', outcome.message)));
      await welcomeBack(fanout, sender, outcome, afterSeq);
    },
  };
}
