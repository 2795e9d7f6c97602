// What each chat command does, once the frame is parsed and the sender may send it.
import { chatError, errorEvent, HELP_TEXT, timestamp, USERS_LISTED } from '../core/events.ts';
import { HISTORY_DEFAULT } from '../core/frame.ts';
import { nicknameKey } from '../core/nickname.ts';
import { LOBBY } from '../core/room.ts';
import type { GuestCommand, LoggedIn, MemberCommand } from '../core/rules.ts';
import type { Fanout } from '../fanout.ts';
import { refusedLoginMetric } from '../metrics.ts';
import type { ConnectionRecord } from '../store.ts';
import type { SignedIn } from './claimed-nickname.ts';
import type { ChatContext } from './context.ts';
import type { Delivery } from './delivery.ts';
import type { Login } from './login.ts';
import type { Resume } from './resume.ts';
import type { Rooms } from './rooms.ts';

type Member = LoggedIn<ConnectionRecord>;

export interface Commands {
  /** `/nick`, `/resume`, `/help`, `/whoami`: anyone may send them; `owner`: the account names are bound to (NICKNAME_FROM_CLAIM). */
  guest(fanout: Fanout, sender: ConnectionRecord, command: GuestCommand, owner: SignedIn | null): Promise<void>;
  /**
   * Everything else, from a logged-in sender. `frameId` is API Gateway's id of the frame; `clientId` the
   * client's own (`{"id":…}`), which gets the message an ack and makes re-sending it safe.
   */
  member(fanout: Fanout, sender: Member, command: MemberCommand, frameId: string, clientId: string | null): Promise<void>;
}

export function createCommands(
  { store, metrics, claimSettleMs }: ChatContext,
  delivery: Delivery,
  login: Login,
  rooms: Rooms,
  resume: Resume,
): Commands {
  const { reply, publish, sendHistory, encode, evictIfGone } = delivery;

  async function nick(fanout: Fanout, sender: ConnectionRecord, nickname: string, key: string, owner: SignedIn | null): Promise<void> {
    const outcome = await login.logIn(fanout, sender, nickname, key, owner);
    if (!outcome) return; // a newer /nick of this connection took effect instead
    if (!outcome.ok) metrics.record(refusedLoginMetric(outcome.error.code));
    if (!outcome.ok) return reply(fanout, sender, errorEvent(outcome.error));
    await reply(fanout, sender, { type: 'login', at: timestamp(), nickname, resume: outcome.resume });
    // Logging in enters the lobby, and entering a room shows its recent messages.
    if (!outcome.previous.nickname && !sender.ignoring) await sendHistory(fanout, sender, LOBBY, HISTORY_DEFAULT);
    await login.announceLogin(fanout, outcome.previous, nickname);
  }

  /** `/ls`: at most USERS_LISTED names (bounded reads too), sorted as people read them, and the room's count. */
  async function list(fanout: Fanout, sender: Member): Promise<void> {
    const users: string[] = [];
    let complete = true;
    for await (const page of store.members(sender.room)) {
      users.push(...page.map((member) => member.nickname));
      if (users.length >= USERS_LISTED) {
        complete = false; // past USERS_LISTED the room's counter says how many there are
        break;
      }
    }
    // Index order is by uniqueness key (a look-alike skeleton: `mike` sorts as `rnike`); people read case-folded names.
    const listed = users
      .slice(0, USERS_LISTED)
      .map((nickname) => ({ nickname, folded: nicknameKey(nickname) }))
      .sort((a, b) => (a.folded < b.folded ? -1 : a.folded > b.folded ? 1 : 0))
      .map((entry) => entry.nickname);
    const count = complete ? users.length : Math.max(users.length, await store.roomCount(sender.room));
    await reply(fanout, sender, { type: 'users', at: timestamp(), room: sender.room, users: listed, count });
  }

  async function say(fanout: Fanout, sender: Member, text: string, frameId: string, clientId: string | null): Promise<void> {
    const { room } = sender;
    const event = { type: 'message', at: timestamp(), room, from: sender.nickname, text } as const;
    if (clientId === null || !sender.session) {
      await publish(fanout, event, 'message');
      return;
    }
    // Claimed before it is numbered: the same id again (a retry, also from a resumed connection, which
    // carries the session over) finds the claim and is acknowledged with the same seq instead of being
    // sent twice. Keyed by the session, not the name: whoever takes the name later has ids of their own.
    const senderKey = sender.session;
    const claim = await store.claimSentMessage(senderKey, clientId, frameId, claimSettleMs);
    if (claim.status === 'pending') return; // the first send of this id is on its way; its ack will be too
    if (claim.status === 'stored' && claim.room !== room) {
      // Sent before the sender moved: it is not sent again here, nor acknowledged with another room's number.
      const elsewhere = chatError('BAD_REQUEST', `Message ${clientId} was sent to #${claim.room} already (seq ${claim.seq}); give a new message a new id.`);
      return reply(fanout, sender, errorEvent(elsewhere, undefined, clientId));
    }
    const seq =
      claim.status === 'stored'
        ? claim.seq
        : (await publish(fanout, event, 'message', { keep: (numbered) => store.storeSentMessage(senderKey, clientId, { ...event, seq: numbered.seq }) })).seq;
    await reply(fanout, sender, { type: 'ack', at: timestamp(), id: clientId, seq });
  }

  async function whisper(fanout: Fanout, sender: Member, toKey: string, to: string, text: string): Promise<void> {
    const noSuchUser = errorEvent(chatError('NO_SUCH_USER', `No user named "${to}" is online.`));
    const claim = await store.getClaim(toKey);
    const target = claim?.connectionId === sender.connectionId ? sender : claim ? await store.getConnection(claim.connectionId) : null;
    // The claim alone is not proof: an orphaned claim (crash mid-rename) must not route to someone else.
    if (!target || target.nicknameKey !== toKey || !target.nickname) return reply(fanout, sender, noSuchUser);
    const message = { type: 'private', at: timestamp(), from: sender.nickname, to: target.nickname, text } as const;
    const outcome = await fanout.post(target.connectionId, encode(message, target.format));
    if (outcome === 'gone') {
      await evictIfGone(fanout, target.connectionId);
      return reply(fanout, sender, noSuchUser);
    }
    if (target.connectionId !== sender.connectionId) await reply(fanout, sender, message);
  }

  return {
    async guest(fanout, sender, command, owner) {
      const id = sender.connectionId;
      switch (command.kind) {
        case 'help':
          return reply(fanout, sender, { type: 'help', at: timestamp(), text: HELP_TEXT });
        case 'whoami':
          return reply(fanout, sender, { type: 'whoami', at: timestamp(), nickname: sender.nickname, connectionId: id });
        case 'nick':
          return nick(fanout, sender, command.nickname, command.key, owner);
        case 'resume':
          return resume.command(fanout, sender, command.token, command.afterSeq, owner);
      }
    },

    async member(fanout, sender, command, frameId, clientId) {
      const id = sender.connectionId;
      switch (command.kind) {
        case 'broadcast':
          return say(fanout, sender, command.text, frameId, clientId);
        case 'private':
          return whisper(fanout, sender, command.toKey, command.to, command.text);
        case 'list':
          return list(fanout, sender);
        case 'join':
          return rooms.moveTo(fanout, sender, command.room);
        case 'leave':
          return rooms.moveTo(fanout, sender, LOBBY);
        case 'rooms':
          return reply(fanout, sender, { type: 'rooms', at: timestamp(), ...(await rooms.listing()) });
        case 'history':
          return sendHistory(fanout, sender, sender.room, command.limit, true);
        case 'ignore': {
          const ignoring = await store.setIgnoring(id, sender.ignoring);
          if (sender.nicknameKey) await store.updateResumePlace(sender.nicknameKey, id, { room: sender.room, ignoring });
          return reply(fanout, sender, { type: 'ignore', at: timestamp(), ignoring });
        }
      }
    },
  };
}
