// Room names follow the nickname rules (1–24 letters of one script, digits, `_ - .`) and are
// case-insensitive. A room is named by what everyone is shown: the name compatibility-normalised and
// case-folded, so `/join Games`, `/join games` and `/join ｇａｍｅｓ` meet in `games`; the 24 hold for
// that form too.
//
// Rooms are shown case-folded, so two of them can be confused only by how that folded form looks: a name
// every letter of which imitates a Latin one when written small (all-Cyrillic `аӏісе`, `٠٠٧`) is the room
// spelled in those Latin letters, rather than a look-alike beside it; joining it lands where the user
// meant, which a refusal would not. Names with letters of their own script (`привет`, `μικε`) keep them:
// respelling them would garble real words. Look-alikes within ASCII (`rn` and `m`, `0` and `o`) would need
// to be respelled too, which no rule can do without turning `modern` into something else; they stay
// distinct rooms, except that nothing can look like the lobby, where everyone starts.
import { chatError, type ChatError } from './events.ts';
import { caseFold, latinSpelling, smallLook } from './lookalikes.ts';
import { NAME_PATTERN, NICKNAME_MAX_LENGTH, nameProblem } from './nickname.ts';

/** Everyone starts in this room, and `/leave` returns here. */
export const LOBBY = 'lobby';

export type RoomResult = { ok: true; room: string } | { ok: false; error: ChatError };

export function parseRoomName(raw: string): RoomResult {
  const name = raw.normalize('NFC');
  const problem = nameProblem(name, 'room name');
  if (problem !== null) return invalid(problem);
  const room = roomOf(name);
  // NFKC can make a letter several characters, spaces among them (`ﷺ`); the room must stay a valid name,
  // and so free of `#`, which the index partitions rely on.
  if (!NAME_PATTERN.test(room)) return invalid('a room name may contain only letters, digits, "_", "-" and "." (in compatibility form too)');
  // The room is what everyone is shown and what the keys hold, so the limit is on it, not on what was
  // typed: 24 × `ﷲ` would be a room of 96 letters (and a Latin spelling can be longer still: `ꜳ` is aa).
  if ([...room].length > NICKNAME_MAX_LENGTH) return invalid(`a room name has at most ${NICKNAME_MAX_LENGTH} characters (in compatibility form too)`);
  return { ok: true, room };
}

/**
 * The room a valid name means: NFKC and case-folded, spelled in Latin letters when it is all look-alikes
 * of them, and the lobby when it looks like it (`1obby`).
 */
function roomOf(name: string): string {
  const shown = caseFold(name.normalize('NFKC'));
  const room = latinSpelling(shown) ?? shown;
  return smallLook(room) === smallLook(LOBBY) ? LOBBY : room;
}

function invalid(problem: string): RoomResult {
  return { ok: false, error: chatError('INVALID_ROOM', `Invalid room name: ${problem}.`) };
}
