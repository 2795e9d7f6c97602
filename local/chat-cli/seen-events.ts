// Which numbered room events the terminal has shown, per room: a resume continues from the end of the
// unbroken run of them (events of concurrent broadcasts can arrive out of order, so the highest seen may
// have a lower one still on its way), and an event that arrives twice (live, then in the replay) is
// shown once. Pure: no I/O.
import type { RoomEvent, ServerEvent } from '../../functions/core/events.ts';

/** Seqs remembered per room; older ones cannot come back in a replay that starts after the newest. */
const KEPT = 2000;

export class SeenEvents {
  readonly #rooms = new Map<string, { numbers: Set<number>; upTo: number }>();

  /** The end of the unbroken run of seqs shown of `room` (what a resume asks to continue from), if any. */
  last(room: string): number | undefined {
    return this.#rooms.get(room)?.upTo;
  }

  /** After a resume's replay: everything up to the newest seen has come, or is not for this user. */
  caughtUp(room: string): void {
    const seen = this.#rooms.get(room);
    if (seen) seen.upTo = Math.max(seen.upTo, ...seen.numbers);
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
    // The first event seen of a room is where this client's view of it starts.
    if (!room) this.#rooms.set(event.room, (room = { numbers: new Set(), upTo: event.seq - 1 }));
    if (room.numbers.has(event.seq) || event.seq <= room.upTo - KEPT) return false;
    room.numbers.add(event.seq);
    while (room.numbers.has(room.upTo + 1)) room.upTo += 1;
    if (room.numbers.size > KEPT) for (const old of room.numbers) if (old <= room.upTo - KEPT) room.numbers.delete(old);
    return true;
  }
}
