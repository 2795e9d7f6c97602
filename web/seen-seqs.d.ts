// The types of seen-seqs.js, for TypeScript importers (`npm run chat`, the Node tests; the root
// tsconfig reads no JS). Its last line makes `tsc -p web/tsconfig.json` check that it matches.

/** Which numbered room events a client has shown, per room; see seen-seqs.js. */
export declare class SeenSeqs {
  /** Notes `seq` of `room` as shown; false when it was shown already. */
  note(room: string, seq: number): boolean;
  /** The end of the unbroken run of seqs shown of `room` (what a resume continues from), if any. */
  upTo(room: string): number | undefined;
  /** After a resume's replay: the unbroken run reaches the newest seen. */
  caughtUp(room: string): void;
}
