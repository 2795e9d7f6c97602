// Which numbered room events the terminal has shown, per room: a resume replays from the last one, and
// an event that arrives twice (live, then in the replay) is shown once. Pure: no I/O.
import type { RoomEvent, ServerEvent } from '../../functions/core/events.ts';

/** Seqs remembered per room; older ones cannot come back in a replay that starts after the newest. */
const KEPT = 2000;

export class SeenEvents {
  readonly #rooms = new Map<string, { numbers: Set<number>; last: number }>();

  /** The highest seq shown of `room`, if any. */
  last(room: string): number | undefined {
    return this.#rooms.get(room)?.last;
  }

  /**
   * `event` without what was shown already: undefined for a room event seen before, a resume's replay
   * (`replaying`) trimmed; history asked for is shown whole.
   */
  unseen(event: ServerEvent, replaying: boolean): ServerEvent | undefined {
    if (event.type === 'message' || event.type === 'system') return this.#note(event) ? event : undefined;
    if (event.type !== 'history') return event;
    const fresh = event.messages.filter((kept) => this.#note(kept) || !replaying);
    return fresh.length === event.messages.length ? event : { ...event, messages: fresh };
  }

  #note(event: RoomEvent): boolean {
    let room = this.#rooms.get(event.room);
    if (!room) this.#rooms.set(event.room, (room = { numbers: new Set(), last: 0 }));
    if (room.numbers.has(event.seq)) return false;
    room.numbers.add(event.seq);
    room.last = Math.max(room.last, event.seq);
    if (room.numbers.size > KEPT) for (const old of room.numbers) if (old <= room.last - KEPT) room.numbers.delete(old);
    return true;
  }
}
