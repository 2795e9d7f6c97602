// Nickname rules: NFC-normalised, 1–24 characters (code points), letters of any script, digits, `_ - .`.
// Uniqueness is case-insensitive, so claims are keyed by a case-folded form.
import { chatError, type ChatError } from './events.ts';

export const NICKNAME_MAX_LENGTH = 24;

// \p{L} letters, \p{M} combining marks (needed by scripts such as Devanagari), \p{Nd} decimal digits.
const NICKNAME_PATTERN = /^[\p{L}\p{M}\p{Nd}_.-]+$/u;

export type NicknameResult = { ok: true; nickname: string; key: string } | { ok: false; error: ChatError };

/** Validates and normalises a requested nickname; `key` is the case-insensitive identity used for uniqueness. */
export function parseNickname(raw: string): NicknameResult {
  const nickname = raw.normalize('NFC');
  const length = [...nickname].length;
  if (length === 0) return invalid('a nickname needs at least one character');
  if (length > NICKNAME_MAX_LENGTH) return invalid(`a nickname has at most ${NICKNAME_MAX_LENGTH} characters`);
  if (!NICKNAME_PATTERN.test(nickname)) {
    return invalid('a nickname may contain only letters, digits, "_", "-" and "."');
  }
  // A nickname must not be made only of marks (they would render as nothing or attach to the previous text).
  if (!/[\p{L}\p{Nd}_.-]/u.test(nickname)) return invalid('a nickname needs a letter or digit');
  return { ok: true, nickname, key: nicknameKey(nickname) };
}

/**
 * Case-folded identity: `Alice`, `ALICE` and `alice` are the same user. Upper- then lower-casing
 * approximates Unicode full case folding (`ß` = `SS` = `ss`, final `ς` = `σ`); NFC again after folding.
 */
export function nicknameKey(nickname: string): string {
  return nickname.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}

function invalid(reason: string): NicknameResult {
  return { ok: false, error: chatError('INVALID_NICKNAME', `Invalid nickname: ${reason}.`) };
}
