// Taking a nickname: claim it (or take over a claim its holder provably abandoned), name the
// connection, free the name it had, and announce the change to its room.
import { chatError, type ChatError } from '../core/events.ts';
import { LOBBY } from '../core/room.ts';
import { announcements } from '../core/rules.ts';
import type { Fanout } from '../fanout.ts';
import type { ConnectionRecord } from '../store.ts';
import { ownedElsewhere, ownerBinder, type SignedIn } from './claimed-nickname.ts';
import type { ChatContext } from './context.ts';
import { systemEvent, type Delivery } from './delivery.ts';
import { issueToken, newSession } from './resume-secret.ts';

/**
 * The connection as it was before (for the announcement) and the resume token for its `login` event,
 * the error to report, or null: overtaken.
 */
export type LoginOutcome = { ok: true; previous: ConnectionRecord; resume: string } | { ok: false; error: ChatError } | null;

export interface Login {
  /**
   * Claims `key` for the connection, taking over a claim whose holder is provably gone or no longer
   * uses the name. Null when a newer login of the same connection overtook this one (its outcome
   * stands, so this one says nothing). With `owner` (NICKNAME_FROM_CLAIM), the key is first bound to
   * its account, and refused with nothing written if another account holds it.
   */
  logIn(fanout: Fanout, connection: ConnectionRecord, nickname: string, key: string, owner: SignedIn | null): Promise<LoginOutcome>;
  /** "X joined" or "X is now Y" to the connection's room, unless the name did not change. */
  announceLogin(fanout: Fanout, previous: ConnectionRecord, nickname: string, exclude?: string): Promise<void>;
}

export function createLogin(context: ChatContext, delivery: Delivery): Login {
  const { store, clock, connectGraceMs, claimSettleMs, resumeTokenTtlSeconds } = context;
  const bindOwner = ownerBinder(context);
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
    await delivery.removeConnection(fanout, holderId, now - connectGraceMs);
    return true;
  }

  return {
    async logIn(fanout, connection, nickname, key, owner) {
      const { connectionId, connectedAt } = connection;
      // Bound before anything else, so a refusal changes nothing, and of two accounts logging in to
      // look-alike names at once only the one whose write came first goes on to claim it.
      if (owner && !(await bindOwner(key, nickname, owner, connectionId))) return { ok: false, error: ownedElsewhere(nickname) };
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
      // A first login on this connection starts the user's session; a rename keeps it.
      const session = newSession();
      const change = await store.setNickname(connectionId, nickname, key, LOBBY, loginSeq, { session });
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
        await store.dropResume(previous.nicknameKey, connectionId); // its token gave back a name given up
      }
      const issued = issueToken(key);
      const expiresAt = Math.floor(clock() / 1000) + resumeTokenTtlSeconds;
      const place = { room: previous.room ?? LOBBY, ignoring: previous.ignoring };
      const record = { nickname, tokenHash: issued.tokenHash, connectionId, loginSeq, expiresAt, session: previous.session ?? session, sub: owner?.sub ?? null, ...place };
      // A newer login of this connection issued its token first: that login's outcome (and token) stands.
      if (!(await store.issueResume(key, record))) return null;
      return { ok: true, previous, resume: issued.token };
    },

    async announceLogin(fanout, previous, nickname, exclude) {
      if (previous.nickname === nickname) return; // same name again: nothing changed for anyone else
      const text = previous.nickname ? announcements.renamed(previous.nickname, nickname) : announcements.joined(nickname);
      const room = previous.room ?? LOBBY; // a rename keeps the room; a first login is in the lobby
      await delivery.publish(fanout, systemEvent(text, room), 'system', exclude === undefined ? {} : { exclude });
    },
  };
}
