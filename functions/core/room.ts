// Room names follow the nickname rules (1–24 letters, digits, `_ - .`), and are case-insensitive:
// a room is named by its case-folded form, so `/join Games` and `/join games` meet in `games`.
import { chatError, type ChatError } from './events.ts';
import { nicknameKey, parseNickname } from './nickname.ts';

/** Everyone starts in this room, and `/leave` returns here. */
export const LOBBY = 'lobby';

export type RoomResult = { ok: true; room: string } | { ok: false; error: ChatError };

export function parseRoomName(raw: string): RoomResult {
  const name = parseNickname(raw);
  if (!name.ok) return { ok: false, error: chatError('INVALID_ROOM', name.error.message.replace('nickname', 'room name')) };
  return { ok: true, room: nicknameKey(name.nickname) };
}
