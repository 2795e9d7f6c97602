// Which writing systems a string uses, after Unicode's UTS #39 "resolved script set": a nickname that
// mixes scripts ("pаypal" with a Cyrillic "а") is the classic way to imitate another user, so such
// names are refused. Pure: regular-expression Unicode properties only, no data files.

/**
 * ISO 15924 codes of every script in Unicode 17 (Common and Inherited excluded: they go with any script).
 * A code this Node's regex engine does not know is skipped, so an older runtime only loses precision.
 */
const SCRIPT_CODES = (
  'Adlm Aghb Ahom Arab Armi Armn Avst Bali Bamu Bass Batk Beng Berf Bhks Bopo Brah Brai Bugi Buhd Cakm Cans ' +
  'Cari Cham Cher Chis Chrs Copt Cpmn Cprt Cyrl Deva Diak Dogr Dsrt Dupl Egyp Elba Elym Ethi Gara Geor Glag Gong ' +
  'Gonm Goth Gran Grek Gujr Gukh Guru Hang Hani Hano Hatr Hebr Hira Hluw Hmng Hmnp Hung Ital Java Kali Kana Kawi ' +
  'Khar Khmr Khoj Kits Knda Krai Kthi Lana Laoo Latn Lepc Limb Lina Linb Lisu Lyci Lydi Mahj Maka Mand Mani Marc ' +
  'Medf Mend Merc Mero Mlym Modi Mong Mroo Mtei Mult Mymr Nagm Nand Narb Nbat Newa Nkoo Nshu Ogam Olck Onao Orkh ' +
  'Orya Osge Osma Ougr Palm Pauc Perm Phag Phli Phlp Phnx Plrd Prti Rjng Rohg Runr Samr Sarb Saur Sgnw Shaw Shrd ' +
  'Sidd Sidt Sind Sinh Sogd Sogo Sora Soyo Sund Sunu Sylo Syrc Tagb Takr Tale Talu Taml Tang Tavt Tayo Telu Tfng ' +
  'Tglg Thaa Thai Tibt Tirh Tnsa Todr Tols Toto Tutg Ugar Vaii Vith Wara Wcho Xpeo Xsux Yezi Yiii Zanb'
).split(' ');

/**
 * Built on first use, not at import: compiling and first running these ~170 property patterns takes
 * ≈25 ms, a cold start's worth, and only a name with a character beyond ASCII needs them.
 */
let scripts: ReadonlyArray<{ code: string; pattern: RegExp }> | undefined;
const scriptPatterns = () =>
  (scripts ??= SCRIPT_CODES.flatMap((code) => {
    try {
      return [{ code, pattern: new RegExp(`\\p{Script_Extensions=${code}}`, 'u') }];
    } catch {
      return [];
    }
  }));

/** Characters that go with every script: digits 0-9, `_ - .`, most combining marks. */
let anyScript: RegExp | undefined;
const goesWithAnyScript = (char: string) => (anyScript ??= /[\p{Script_Extensions=Common}\p{Script_Extensions=Inherited}]/u).test(char);

/** ASCII needs no pattern: its letters are Latin only, everything else in it goes with any script. */
const LATIN_ONLY: ReadonlySet<string> = new Set(['Latn']);
const ASCII_LETTER = /^[A-Za-z]$/;

/**
 * Writing systems that legitimately mix several scripts (UTS #39 augmented sets): Japanese mixes Han,
 * Hiragana and Katakana; Korean mixes Han and Hangul; Chinese may add Bopomofo.
 */
const AUGMENTED: Readonly<Record<string, readonly string[]>> = {
  Hani: ['Jpan', 'Kore', 'Hanb'],
  Hira: ['Jpan'],
  Kana: ['Jpan'],
  Hang: ['Kore'],
  Bopo: ['Hanb'],
};

/** The scripts of one character (with its augmented sets), or null when it goes with any script. */
export function scriptsOf(char: string): ReadonlySet<string> | null {
  if (char.length === 1 && char <= '\u007f') return ASCII_LETTER.test(char) ? LATIN_ONLY : null;
  if (goesWithAnyScript(char)) return null;
  const scripts = new Set<string>();
  for (const { code, pattern } of scriptPatterns()) {
    if (!pattern.test(char)) continue;
    scripts.add(code);
    for (const extra of AUGMENTED[code] ?? []) scripts.add(extra);
  }
  return scripts;
}

/**
 * UTS #39 resolved script set: the scripts every character of `text` belongs to. Empty means the text
 * mixes scripts; null means it has no script-specific character at all (digits and punctuation only).
 */
export function resolvedScripts(text: string): ReadonlySet<string> | null {
  let resolved: ReadonlySet<string> | null = null;
  for (const char of text) {
    const scripts = scriptsOf(char);
    if (scripts === null) continue;
    const before: ReadonlySet<string> = resolved ?? scripts;
    resolved = new Set([...before].filter((code) => scripts.has(code)));
  }
  return resolved;
}

/** True when `text` uses letters of more than one script (Japanese, Korean and Chinese mixes excepted). */
export function isMixedScript(text: string): boolean {
  return resolvedScripts(text)?.size === 0;
}
