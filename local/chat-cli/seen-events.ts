// Which numbered room events the terminal has shown: the seqs per room are kept by the browser
// client's SeenSeqs (web/seen-seqs.js, one piece of code for both clients); this reads the typed
// events. Pure: no I/O.
import type { ServerEvent } from '../../functions/core/events.ts';
import { SeenSeqs } from '../../web/seen-seqs.js';

export class SeenEvents {
  readonly #seqs = new SeenSeqs();

  /** The end of the unbroken run of seqs shown of `room` (what a resume asks to continue from), if any. */
  last(room: string): number | undefined {
    return this.#seqs.upTo(room);
  }

  /** After a resume's replay: everything up to the newest seen has come, or is not for this user. */
  caughtUp(room: string): void {
    this.#seqs.caughtUp(room);
  }

  /**
   * `event` without what was shown already: undefined for a room event seen before, a resume's replay
   * (`replaying`) trimmed; history asked for is shown whole.
   */
  unseen(event: ServerEvent, replaying: boolean): ServerEvent | undefined {
    if (event.type === 'message' || event.type === 'system') return this.#seqs.note(event.room, event.seq) ? event : undefined;
    if (event.type !== 'history') return event;
    const fresh = event.messages.filter((kept) => this.#seqs.note(kept.room, kept.seq) || !replaying);
    return fresh.length === event.messages.length ? event : { ...event, messages: fresh };
  }
}
