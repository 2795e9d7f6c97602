// @ts-check
// Which numbered room events a client has shown, per room (the delivery contract, README "Delivery"):
// a resume continues from the end of the unbroken run of them (events of concurrent broadcasts can
// arrive out of order, so the highest seen may have a lower one still on its way), and an event that
// arrives twice (live, then in a replay) is shown once. Shared by the browser client and `npm run chat`.

/** Seqs remembered per room below the unbroken run's end; older ones cannot come back in a replay. */
const KEPT = 2000;

export class SeenSeqs {
  /** @type {Map<string, { numbers: Set<number>, upTo: number }>} */
  #rooms = new Map();

  /**
   * Notes `seq` of `room` as shown.
   * @param {string} room
   * @param {number} seq
   * @returns {boolean} whether it is new
   */
  note(room, seq) {
    let seen = this.#rooms.get(room);
    // The first event seen of a room is where this client's view of it starts.
    if (!seen) this.#rooms.set(room, (seen = { numbers: new Set(), upTo: seq - 1 }));
    if (seen.numbers.has(seq) || seq <= seen.upTo - KEPT) return false;
    seen.numbers.add(seq);
    while (seen.numbers.has(seen.upTo + 1)) seen.upTo += 1;
    if (seen.numbers.size > KEPT) {
      for (const old of seen.numbers) if (old <= seen.upTo - KEPT) seen.numbers.delete(old);
    }
    return true;
  }

  /**
   * The end of the unbroken run of seqs shown of `room` (what a resume asks to continue from), if any.
   * @param {string} room
   * @returns {number | undefined}
   */
  upTo(room) {
    return this.#rooms.get(room)?.upTo;
  }

  /**
   * After a resume's replay, everything the room kept up to the newest seen has come or is not for
   * this user (messages while ignoring): the unbroken run reaches it.
   * @param {string} room
   */
  caughtUp(room) {
    const seen = this.#rooms.get(room);
    if (seen) seen.upTo = Math.max(seen.upTo, ...seen.numbers);
  }
}

// seen-seqs.d.ts declares this module for TypeScript importers: tsc checks it says the truth.
void (/** @satisfies {typeof import('./seen-seqs.js').SeenSeqs} */ (SeenSeqs));
