// A "skeleton" of a case-folded name (after UTS #39): letters of other scripts that look like Latin
// letters, and digits of every numbering system, map to the one they imitate, so that "Ваѕіl" (all
// Cyrillic) and "basil" share a uniqueness key. Mixed-script names are refused elsewhere (scripts.ts);
// this catches whole-script imitations, which no script check can.

/**
 * A curated subset of Unicode's confusables.txt, for small (case-folded) letters: each maps to the Latin
 * letter its small form is mistaken for or, where only the capital looks Latin (в/В, н/Н), the capital's.
 * Where two letters of one script map to the same Latin letter (н and һ), names differing only there
 * share a key: refusing a rare legitimate name is the safe way to fail.
 */
const LATIN_LOOKALIKES: ReadonlyMap<string, string> = new Map(Object.entries({
  // Cyrillic
  а: 'a', в: 'b', е: 'e', ѕ: 's', і: 'i', ј: 'j', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't',
  у: 'y', х: 'x', һ: 'h', ԁ: 'd', ԛ: 'q', ԝ: 'w', ӏ: 'l', ѵ: 'v', ѡ: 'w',
  // Greek
  α: 'a', β: 'b', γ: 'y', ε: 'e', ζ: 'z', η: 'n', ι: 'i', κ: 'k', μ: 'u', ν: 'v', ο: 'o', ρ: 'p', τ: 't',
  υ: 'u', χ: 'x', ϲ: 'c', ϳ: 'j',
  // Armenian
  օ: 'o', ս: 'u', ո: 'n', հ: 'h', զ: 'q', ց: 'g',
  // Latin letters that imitate other Latin letters
  ɑ: 'a', ɡ: 'g', ı: 'i', ȷ: 'j', ɩ: 'i', ǀ: 'l',
}));

const DECIMAL_DIGIT = /\p{Nd}/u;

/**
 * The digit's value as ASCII. Unicode encodes every decimal digit set as a run of ten, 0 to 9, so the
 * value is the distance from the start of the run (runs may be adjacent, hence modulo 10).
 */
function asciiDigit(char: string): string {
  let start = char.codePointAt(0) ?? 0;
  while (start > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start -= 1;
  return String(((char.codePointAt(0) ?? 0) - start) % 10);
}

/** Maps each Latin look-alike and each non-ASCII decimal digit of a case-folded name to what it imitates. */
export function skeleton(folded: string): string {
  let result = '';
  for (const char of folded) {
    const latin = LATIN_LOOKALIKES.get(char);
    if (latin !== undefined) result += latin;
    else if (char > '\u007f' && DECIMAL_DIGIT.test(char)) result += asciiDigit(char);
    else result += char;
  }
  return result;
}
