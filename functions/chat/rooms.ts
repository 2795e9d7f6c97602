// Moving between rooms, and what `/rooms` and a push to every room see of them.
import { errorEvent, ROOMS_LISTED, timestamp, type RoomCount } from '../core/events.ts';
import { HISTORY_DEFAULT } from '../core/frame.ts';
import { LOBBY } from '../core/room.ts';
import { announcements, NOT_LOGGED_IN, type LoggedIn } from '../core/rules.ts';
import type { Fanout } from '../fanout.ts';
import type { ConnectionRecord } from '../store.ts';
import type { ChatContext } from './context.ts';
import { systemEvent, type Delivery } from './delivery.ts';

export interface Rooms {
  /** Moves the sender to `room`: counted in, its history shown, `left`/`joined` announced in both rooms. */
  moveTo(fanout: Fanout, sender: LoggedIn<ConnectionRecord>, room: string): Promise<void>;
  /** The lobby first (always), then the busiest rooms; `count` is every room with anyone in it. */
  listing(): Promise<{ rooms: RoomCount[]; count: number }>;
  /** Every room with anyone in it (lobby always), with their member counts: what a push to all reaches. */
  all(): Promise<RoomCount[]>;
}

export function createRooms({ store }: ChatContext, delivery: Delivery): Rooms {
  const { reply, publish, sendHistory } = delivery;

  return {
    async moveTo(fanout, sender, room) {
      const id = sender.connectionId;
      if (room === sender.room) return reply(fanout, sender, { type: 'room', at: timestamp(), room });
      // Counted in first, so a failure leaves the user where they were, able to retry.
      await store.enterRoom(room);
      const before = await store.moveToRoom(id, room);
      if (!before) {
        await store.leaveRoom(room);
        return reply(fanout, sender, errorEvent(NOT_LOGGED_IN)); // the connection closed meanwhile
      }
      const previousRoom = before.room ?? sender.room;
      // A concurrent /join of the same room got there first: it counted, announced and replied.
      await store.leaveRoom(previousRoom);
      if (previousRoom === room) return;
      if (sender.nicknameKey) await store.updateResumePlace(sender.nicknameKey, id, { room, ignoring: sender.ignoring });
      await reply(fanout, sender, { type: 'room', at: timestamp(), room });
      if (!sender.ignoring) await sendHistory(fanout, sender, room, HISTORY_DEFAULT);
      await Promise.all([
        publish(fanout, systemEvent(announcements.left(sender.nickname), previousRoom), 'system'),
        publish(fanout, systemEvent(announcements.joined(sender.nickname), room), 'system'),
      ]);
    },

    async listing() {
      const listing = await store.busiestRooms(ROOMS_LISTED);
      const lobby = listing.rooms.find((listed) => listed.room === LOBBY) ?? { room: LOBBY, count: await store.roomCount(LOBBY) };
      const others = listing.rooms.filter((listed) => listed.room !== LOBBY && listed.count > 0);
      return { rooms: [lobby, ...others].slice(0, ROOMS_LISTED), count: listing.total };
    },

    async all() {
      const all: RoomCount[] = [];
      for await (const page of store.allRooms()) all.push(...page.filter((counted) => counted.count > 0));
      if (!all.some((counted) => counted.room === LOBBY)) all.push({ room: LOBBY, count: 0 });
      return all.sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0));
    },
  };
}
