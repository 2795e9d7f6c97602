// Nickname rules: NFC-normalised, 1–24 characters (code points), letters of one script, digits, `_ - .`.
// Uniqueness is by look, not by code point: claims are keyed by a case-folded, compatibility-normalised
// look-alike key (lookalikes.ts), so neither `ALICE`, `ａｌｉｃｅ` (full width) nor `ᴀʟɪᴄᴇ` (small capitals)
// can pass for `alice`, nor all-Greek `ΜΙΚΕ` or `rnike` for `mike`. Names whose look the key cannot read are
// refused instead: `aIice`, `MlKE`, `ϲοοκ`, `ki̇m` (lookalikes.ts). Room names follow the same rules (room.ts).
import { chatError, type ChatError } from './events.ts';
import { asciiDigits, caseFold, hidesSmallLetter, latinSpelling, lookalikeKey, normalisingChangesLook, passesForCapitalI, redotsDottedLetter } from './lookalikes.ts';
import { isMixedScript } from './scripts.ts';

export const NICKNAME_MAX_LENGTH = 24;

// \p{L} letters, \p{M} combining marks (needed by scripts such as Devanagari), \p{Nd} decimal digits.
export const NAME_PATTERN = /^[\p{L}\p{M}\p{Nd}_.-]+$/u;
// Letters and marks that render as nothing (variation selectors, the combining grapheme joiner, Hangul
// fillers) would make `alice` and `alice` + an invisible character two different users.
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;

/** What a name names, as its error messages call it. */
export type NameKind = 'nickname' | 'room name';

/** Why an NFC `name` breaks the naming rules, worded for what it names; null when it keeps them. */
export function nameProblem(name: string, kind: NameKind): string | null {
  const length = [...name].length;
  if (length === 0) return `a ${kind} needs at least one character`;
  if (length > NICKNAME_MAX_LENGTH) return `a ${kind} has at most ${NICKNAME_MAX_LENGTH} characters`;
  if (!NAME_PATTERN.test(name) || INVISIBLE.test(name)) return `a ${kind} may contain only letters, digits, "_", "-" and "."`;
  // Marks attach to what precedes them: alone or first, they would combine with the text before the name.
  if (!/[\p{L}\p{Nd}_.-]/u.test(name)) return `a ${kind} needs a letter or digit`;
  if (/^\p{M}/u.test(name)) return `a ${kind} cannot start with a combining mark`;
  if (isMixedScript(name)) return `a ${kind} must not mix letters of different scripts`;
  return null;
}

// Nicknames are shown as typed, so `aIice` would pass for alice, `MlKE` for MIKE and `ϲοοκ` for cook
// (lookalikes.ts); room names are shown case-folded and compatibility-normalised, where the capital and
// the compatibility character are gone.
const HIDDEN_SMALL_LETTER = 'a nickname must not have a capital that passes for a small letter ("I" for "l") inside a word';
const HIDDEN_CAPITAL_I = 'a nickname must not have a letter that passes for a capital "I" ("l" for "I") among capitals';
const CHANGED_LOOK = 'a nickname must not have a letter that looks like another letter than it is (such as "ſ", an "s" drawn like "f")';
const REDOTTED = 'a nickname must not put a dot above on an "i" or "j" (nor on a dotless "ı"), where it shows as the plain letter';

/** What a shown nickname passes for that its key does not say, if anything. */
function lookProblem(nickname: string): string | null {
  if (hidesSmallLetter(nickname)) return HIDDEN_SMALL_LETTER;
  if (passesForCapitalI(nickname)) return HIDDEN_CAPITAL_I;
  if (normalisingChangesLook(nickname)) return CHANGED_LOOK;
  if (redotsDottedLetter(nickname)) return REDOTTED;
  return null;
}

export type NicknameResult = { ok: true; nickname: string; key: string } | { ok: false; error: ChatError };

/** Validates and normalises a requested nickname; `key` is the identity used for uniqueness. */
export function parseNickname(raw: string): NicknameResult {
  const nickname = raw.normalize('NFC');
  const problem = nameProblem(nickname, 'nickname') ?? lookProblem(nickname);
  if (problem !== null) return { ok: false, error: chatError('INVALID_NICKNAME', `Invalid nickname: ${problem}.`) };
  return { ok: true, nickname, key: nicknameIdentity(nickname) };
}

/** Case-folded form: `Alice`, `ALICE` and `alice` are one (`ß` = `SS`, final `ς` = `σ`). */
export function nicknameKey(nickname: string): string {
  return caseFold(nickname);
}

/**
 * The uniqueness key of a nickname: NFKC (full-width and mathematical letters, ligatures become plain
 * ones), case folding, NFKC again (folding can undo it), digits by value (`٣` = 3), then the look-alike
 * key: UTS #39 prototypes, per letter the look in which it imitates Latin (lookalikes.ts says how).
 * Bounded without a limit of its own: NFKC makes a character at most 18 (`ﷺ`), and the widest character's
 * key is 30 UTF-8 bytes, so 24 of them stay well under the index's 1,024 (core-nickname.test.ts checks).
 */
export function nicknameIdentity(nickname: string): string {
  return lookalikeKey(asciiDigits(nicknameSpelling(nickname)));
}

/**
 * The Latin name a nickname passes for when it is not spelt in Latin but every character of it imitates
 * a Latin letter or digit (all-Cyrillic `сосо` → `coco`, mixed `cоco` too), else null. NICKNAME_FROM_CLAIM
 * refuses such a sign-in name: whoever of the two logged in first would pose as the other.
 */
export function imitatedLatin(nickname: string): string | null {
  const spelling = nicknameSpelling(nickname);
  const latin = latinSpelling(spelling);
  return latin !== null && latin !== spelling ? latin : null;
}

/**
 * A nickname's spelling, up to case, width and normalisation (NFKC, case folding, NFKC again) but not up
 * to look: `Alice`, `ＡＬＩＣＥ` and `alice` are one spelling; all-Cyrillic `аӏісе` and `alice`, which share a
 * key, are two. The first steps of the key, so one spelling has one key.
 */
export function nicknameSpelling(nickname: string): string {
  return caseFold(nickname.normalize('NFKC')).normalize('NFKC');
}
