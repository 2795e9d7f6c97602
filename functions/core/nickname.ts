// Nickname rules: NFC-normalised, 1–24 characters (code points), letters of one script, digits, `_ - .`.
// Uniqueness is by look, not by code point: claims are keyed by a case-folded, compatibility-normalised
// skeleton, so `ALICE`, `ａｌｉｃｅ` (full width) and `аlice` (Cyrillic а, refused anyway as mixed script)
// cannot pass for `alice`.
import { chatError, type ChatError } from './events.ts';
import { skeleton } from './lookalikes.ts';
import { isMixedScript } from './scripts.ts';

export const NICKNAME_MAX_LENGTH = 24;

// \p{L} letters, \p{M} combining marks (needed by scripts such as Devanagari), \p{Nd} decimal digits.
const NICKNAME_PATTERN = /^[\p{L}\p{M}\p{Nd}_.-]+$/u;
// Letters and marks that render as nothing (variation selectors, the combining grapheme joiner, Hangul
// fillers) would make `alice` and `alice` + an invisible character two different users.
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;

export type NicknameResult = { ok: true; nickname: string; key: string } | { ok: false; error: ChatError };

/** Validates and normalises a requested nickname; `key` is the identity used for uniqueness. */
export function parseNickname(raw: string): NicknameResult {
  const nickname = raw.normalize('NFC');
  const length = [...nickname].length;
  if (length === 0) return invalid('a nickname needs at least one character');
  if (length > NICKNAME_MAX_LENGTH) return invalid(`a nickname has at most ${NICKNAME_MAX_LENGTH} characters`);
  if (!NICKNAME_PATTERN.test(nickname) || INVISIBLE.test(nickname)) {
    return invalid('a nickname may contain only letters, digits, "_", "-" and "."');
  }
  // Marks attach to what precedes them: alone or first, they would combine with the text before the name.
  if (!/[\p{L}\p{Nd}_.-]/u.test(nickname)) return invalid('a nickname needs a letter or digit');
  if (/^\p{M}/u.test(nickname)) return invalid('a nickname cannot start with a combining mark');
  if (isMixedScript(nickname)) return invalid('a nickname must not mix letters of different scripts');
  return { ok: true, nickname, key: nicknameIdentity(nickname) };
}

/**
 * Case-folded form: `Alice`, `ALICE` and `alice` are one. Upper- then lower-casing approximates Unicode
 * full case folding (`ß` = `SS` = `ss`, final `ς` = `σ`); NFC again after folding. Room names use it.
 */
export function nicknameKey(nickname: string): string {
  return nickname.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}

/**
 * The uniqueness key of a nickname: NFKC first (full-width and mathematical letters, ligatures become
 * plain ones), then case folding, then the look-alike skeleton (Cyrillic "а" = Latin "a", "٣" = "3").
 */
export function nicknameIdentity(nickname: string): string {
  return skeleton(nicknameKey(nickname.normalize('NFKC')).normalize('NFKC'));
}

function invalid(reason: string): NicknameResult {
  return { ok: false, error: chatError('INVALID_NICKNAME', `Invalid nickname: ${reason}.`) };
}
