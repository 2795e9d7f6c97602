// A first-in first-out queue for what waits its turn: the fan-out's posts for a slot of the bound
// (bound.ts), requests for a socket (keep-alive-http.ts). Array#shift moves every item behind the first;
// this reads from an index instead, and starts a fresh array once it has handed out everything, or half of
// it (a queue that never empties would otherwise keep a slot for every item it ever held).

/** Slots handed out before the rest is moved to a fresh array: a short queue is never copied. */
const COMPACT_AFTER = 1024;

export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item, or undefined when there is none. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined; // let it be collected
    this.head += 1;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.items.length) {
      // Copies at most as many items as were handed out since the last copy: O(1) a shift, amortized.
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
