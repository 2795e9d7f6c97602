import { describe, expect, it } from 'vitest';
import { imitatedLatin, nicknameIdentity, nicknameKey, nicknameSpelling, parseNickname } from '../functions/core/nickname.ts';
import { isMixedScript, resolvedScripts } from '../functions/core/scripts.ts';
import { asciiDigits, CONFUSABLES_UNICODE_VERSION, lookalikeKey, normalisingChangesLook, skeleton } from '../functions/core/lookalikes.ts';

/** Walks over every code point: seconds idle, several times that on a loaded machine. Only a hang guard. */
const WHOLE_UNICODE_TIMEOUT_MS = 180_000;

describe('parseNickname', () => {
  it.each(['alice', 'Bob_99', 'a.b-c', 'Zoë', 'Ωμέγα', 'ユキ', 'дмитрий', 'नमस्ते', 'x', 'a'.repeat(24)])('accepts %s', (name) => {
    expect(parseNickname(name).ok).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['25 characters', 'a'.repeat(25)],
    ['a space', 'al ice'],
    ['a tab', 'al\tice'],
    ['a control character', 'al\u0007ice'],
    ['a zero-width space', 'al\u200bice'],
    ['a right-to-left mark', 'al\u200fice'],
    ['punctuation', 'alice!'],
    ['a key-prefix shape', 'NICK#alice'],
    ['an at sign', '@alice'],
    ['only combining marks', '\u0301\u0301'],
    ['an emoji', 'al😀'],
  ])('rejects %s', (_label, name) => {
    const result = parseNickname(name);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('INVALID_NICKNAME');
  });

  it('counts characters, not UTF-16 units', () => {
    expect(parseNickname('𝒜'.repeat(24)).ok).toBe(true); // 48 UTF-16 units
  });

  it('normalises to NFC so composed and decomposed forms are one name', () => {
    const composed = parseNickname('Zo\u00eb');
    const decomposed = parseNickname('Zoe\u0308');
    expect(composed.ok && decomposed.ok).toBe(true);
    if (composed.ok && decomposed.ok) {
      expect(decomposed.nickname).toBe(composed.nickname);
      expect(decomposed.key).toBe(composed.key);
    }
  });
});

describe('nicknameKey', () => {
  it('is case-insensitive, including full case folding', () => {
    expect(nicknameKey('Alice')).toBe(nicknameKey('ALICE'));
    expect(nicknameKey('STRASSE')).toBe(nicknameKey('straße'));
    expect(nicknameKey('ΟΔΟΣ')).toBe(nicknameKey('οδος'));
  });
});

describe('imitatedLatin (NICKNAME_FROM_CLAIM refuses such sign-in names)', () => {
  it('names the Latin name a name spelt otherwise passes for, and nothing for Latin or for names with letters of their own', () => {
    expect(imitatedLatin('сосо')).toBe('coco'); // all Cyrillic
    expect(imitatedLatin('cоco')).toBe('coco'); // one Cyrillic о
    expect(imitatedLatin('аӏісе')).toBe('alice');
    for (const own of ['coco', 'Alice', 'Саша', 'Ζωή', '山田', 'zoë']) expect(imitatedLatin(own), own).toBeNull();
  });
});

describe('nicknameSpelling (the first steps of the key)', () => {
  it('is one spelling up to case, width and normalisation', () => {
    for (const variant of ['Alice', 'ALICE', 'ａｌｉｃｅ', 'ＡＬＩＣＥ']) expect(nicknameSpelling(variant)).toBe(nicknameSpelling('alice'));
    expect(nicknameSpelling('STRASSE')).toBe(nicknameSpelling('straße'));
    expect(nicknameSpelling('Zoe\u0308')).toBe(nicknameSpelling('zoë'));
  });

  it('is not one spelling up to look: names that share a key are spelt differently', () => {
    for (const [imitation, original] of [['аӏісе', 'alice'], ['ΜΙΚΕ', 'MIKE'], ['rnike', 'mike'], ['ᴀʟɪᴄᴇ', 'alice'], ['x1', 'xl']] as const) {
      expect(nicknameIdentity(imitation), `${imitation} shares the key of ${original}`).toBe(nicknameIdentity(original));
      expect(nicknameSpelling(imitation), `${imitation} is another spelling than ${original}`).not.toBe(nicknameSpelling(original));
    }
  });
});

/** The uniqueness key two names would get, or null when either is refused. */
function keysOf(a: string, b: string): [string, string] | null {
  const [first, second] = [parseNickname(a), parseNickname(b)];
  return first.ok && second.ok ? [first.key, second.key] : null;
}

describe('imitation: names that look alike are one name', () => {
  it.each([
    ['case', 'Alice', 'aLICE'],
    ['NFC and NFD', 'Zo\u00eb', 'Zoe\u0308'],
    ['full-width letters (NFKC)', 'alice', '\uff41\uff4c\uff49\uff43\uff45'],
    ['mathematical letters (NFKC)', 'Abc', '\u{1d400}\u{1d41b}\u{1d41c}'],
    ['a ligature (NFKC)', 'fish', '\ufb01sh'],
    ['an all-Cyrillic imitation of a Latin name', 'pope', '\u0440\u043e\u0440\u0435'],
    ['an all-Cyrillic imitation in capitals', 'BOB', '\u0412\u041e\u0412'],
    ['an all-Greek imitation', 'kapa', '\u03ba\u03b1\u03c1\u03b1'],
    ['Latin look-alike letters (dotless i, script g)', 'gigi', '\u0261\u0131\u0261\u0131'],
    ['digits of another numbering system', '\u0639\u0645\u064a\u0644007', '\u0639\u0645\u064a\u0644\u0660\u0660\u0667'],
    ['an all-Greek imitation in capitals', 'MIKE', '\u039c\u0399\u039a\u0395'],
    ['Greek capitals whose small letters look like other Latin ones (ν, β)', 'NIKE', '\u039d\u0399\u039a\u0395'],
    ['Greek capital beta', 'BOB', '\u0392\u039f\u0392'],
    ['an all-Cyrillic imitation in capitals (Ү is Y)', 'TOY', '\u0422\u041e\u04ae'],
    ['an all-Cyrillic imitation with a palochka for l', 'alice', '\u0430\u04cf\u0456\u0441\u0435'],
    ['a capital I for a small l at the start', 'lan', 'Ian'],
    ['a capital I for a small l at the start, in capitals', 'lan', 'IAN'],
    ['a capital I for a small l at the start of a later word', 'bob_lan', 'bob_Ian'],
    ['rn for m', 'modern', 'rnodern'],
    ['rn for m, the other way', 'modern', 'modem'],
    ['a digit one and zero for l and o', 'lol', '1o1'],
    ['small capitals', 'alice', '\u1d00\u029f\u026a\u1d04\u1d07'],
    ['small capitals A to M', 'abcdefghijklm', '\u1d00\u0299\u1d04\u1d05\u1d07\ua730\u0262\u029c\u026a\u1d0a\u1d0b\u029f\u1d0d'],
    ['small capitals N to Z (there is no X)', 'nopqrstuvwyz', '\u0274\u1d0f\u1d18\ua7af\u0280\ua731\u1d1b\u1d1c\u1d20\u1d21\u028f\u1d22'],
    ['full case folding', 'stra\u00dfe', 'STRASSE'],
    ['capitals among small letters', 'alice', 'ALICE'],
  ])('%s', (_label, a, b) => {
    const keys = keysOf(a, b);
    expect(keys).not.toBeNull();
    expect(keys?.[1]).toBe(keys?.[0]);
  });

  it('keeps genuinely different names apart, in any script', () => {
    const names = [
      ...['alice', 'alicia', 'bob', 'дмитрий', 'дмитрии', 'ユキ', 'ゆき', 'Ωμέγα', 'नमस्ते', 'neil', 'nell', 'x1', 'x2'],
      // i and l stay apart inside a word, and so do capitals and small letters that differ.
      ...['alec', 'mike', 'nike', 'ivan', 'toy', 'lobby', 'hobby', 'привет'],
    ];
    const keys = names.map((name) => {
      const parsed = parseNickname(name);
      if (!parsed.ok) throw new Error(`refused ${name}`);
      return parsed.key;
    });
    expect(new Set(keys).size).toBe(names.length);
  });

  it('keeps the nickname as typed (NFC) for display; only the key is folded', () => {
    const parsed = parseNickname('\uff21\uff4c\uff49\uff43\uff45');
    expect(parsed).toEqual({ ok: true, nickname: '\uff21\uff4c\uff49\uff43\uff45', key: 'alice' });
  });
});

describe('imitation: names that could only be told apart by their code points are refused', () => {
  it.each([
    ['a Cyrillic letter among Latin ones', 'p\u0430ypal'],
    ['a Greek letter among Latin ones', 'b\u03bfb'],
    ['Latin and Cyrillic halves', 'ivan\u0438\u0432\u0430\u043d'],
    ['Arabic-Indic digits among Latin letters', 'bob\u0661'],
    ['a variation selector (a mark that renders as nothing)', 'alice\ufe0f'],
    ['a combining grapheme joiner', 'al\u034fice'],
    ['a Hangul filler (a letter that renders as nothing)', 'alice\u3164'],
    ['only a Hangul filler', '\u3164'],
    ['a leading combining mark', '\u0301alice'],
    ['a zero-width joiner', 'al\u200dice'],
    ['a right-to-left override', '\u202eecila'],
    ['a capital I for an l among small letters', 'aIice'],
    ['a capital I for an l after a capital, before small letters', 'AIex'],
    ['a capital I for an l, full width', '\uff41\uff29\uff49\uff43\uff45'],
    ['a Cyrillic capital І for an l among small letters', '\u0430\u0406\u0456\u0441\u0435'],
    ['a byte-order mark', '\ufeffalice'],
    ['a lone high surrogate', 'ali\ud800ce'],
    ['a lone low surrogate', '\udc00alice'],
  ])('%s', (_label, name) => {
    const result = parseNickname(name);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('INVALID_NICKNAME');
  });

  it.each([
    ['Japanese: Kanji, Hiragana and Katakana', '山田たろうタロー'],
    ['Korean: Hangul and Hanja', '김金'],
    ['Latin with digits and _ - .', 'r2-d2_v1.0'],
    ['Cyrillic with digits', 'дмитрий42'],
    ['Arabic with Arabic-Indic digits', '\u0639\u0644\u064a\u0661\u0662'],
    ['Latin with combining marks', 'Zoe\u0308'],
    ['digits only', '2024'],
    ['Latin with a capital I at the start or among capitals', 'Ian_MACINTYRE'],
  ])('accepts one writing system: %s', (_label, name) => {
    expect(parseNickname(name).ok).toBe(true);
  });
});

describe('scripts', () => {
  it('resolves the script set as UTS #39 does', () => {
    expect(resolvedScripts('abc')).toEqual(new Set(['Latn']));
    expect(resolvedScripts('42_-.')).toBeNull();
    expect(resolvedScripts('ab\u0430')).toEqual(new Set());
    expect(isMixedScript('漢字かなカナ')).toBe(false);
    expect(isMixedScript('漢字한글')).toBe(false);
    expect(isMixedScript('かな한글')).toBe(true);
  });

  it('knows the script of every letter, mark and digit, and 24 of the widest still make a valid index key', () => {
    let widest = 0;
    for (let codePoint = 0; codePoint < 0x110000; codePoint += 1) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
      const char = String.fromCodePoint(codePoint);
      if (!/[\p{L}\p{M}\p{Nd}]/u.test(char)) continue;
      // null: goes with any script; otherwise at least one script must be named
      const scripts = resolvedScripts(char);
      if (scripts !== null && scripts.size === 0) throw new Error(`no script for U+${codePoint.toString(16)}`);
      const key = nicknameIdentity(char);
      if (key.includes('#')) throw new Error(`U+${codePoint.toString(16)} keys as ${key}`);
      widest = Math.max(widest, Buffer.byteLength(key));
    }
    // The key is the members index's sort key: DynamoDB refuses one over 1,024 bytes (dynalite does not).
    expect(widest * 24).toBeLessThanOrEqual(1024);
  }, WHOLE_UNICODE_TIMEOUT_MS);

  it('bounds the key of any 24 characters, inside a word too, under the index key limit (no limit on the NFKC form needed)', () => {
    let widest = 0;
    for (let codePoint = 0; codePoint < 0x110000; codePoint += 1) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
      const char = String.fromCodePoint(codePoint);
      if (!/[\p{L}\p{M}\p{Nd}]/u.test(char)) continue;
      // After ユ (a letter keyed as itself, 3 bytes, that composes with nothing): the key inside a word.
      widest = Math.max(widest, Buffer.byteLength(nicknameIdentity(char)), Buffer.byteLength(nicknameIdentity(`ユ${char}`)) - 3);
    }
    expect(widest * 24).toBeLessThanOrEqual(1024);
    // The widest in practice: 24 × ﷺ, 18 letters each in NFKC, is a valid nickname with a bounded key.
    const widestName = parseNickname('\ufdfa'.repeat(24));
    expect(widestName.ok).toBe(true);
    if (widestName.ok) expect(Buffer.byteLength(widestName.key)).toBeLessThanOrEqual(1024);
  }, WHOLE_UNICODE_TIMEOUT_MS);
});

describe('skeleton', () => {
  it('is the UTS #39 skeleton over Unicode 13.0.0 confusables.txt: NFD, prototypes, NFD', () => {
    expect(CONFUSABLES_UNICODE_VERSION).toBe('13.0.0');
    expect(skeleton('\u039c\u0399\u039a\u0395')).toBe('MlKE'); // Greek capitals; I is l in the data
    expect(skeleton('MIKE')).toBe('MlKE');
    expect(skeleton('m')).toBe('rn');
    expect(skeleton('\u0440\u043e\u0440\u0435')).toBe('pope');
    expect(skeleton('\u00e9')).toBe('e\u0301'); // NFD first and last
    expect(skeleton('\u1d00\u029f\u1d07\u1d0b')).toBe('alek'); // small capitals: the letters they are capitals of
  });

  it('maps a prototype to itself, so a skeleton is its own skeleton', () => {
    for (let codePoint = 0; codePoint < 0x110000; codePoint += 1) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
      const once = skeleton(String.fromCodePoint(codePoint));
      if (skeleton(once) !== once) throw new Error(`U+${codePoint.toString(16)}: ${once} is not a prototype`);
    }
  }, WHOLE_UNICODE_TIMEOUT_MS);

  it('leaves letters without a look-alike alone', () => {
    expect(skeleton('дж')).toBe('дж');
  });
});

describe('asciiDigits', () => {
  it('maps non-ASCII decimal digits to their value', () => {
    expect(asciiDigits('\u0660\u0669\u0966\u096f\uff10')).toBe('09090');
    expect(nicknameIdentity('\uff10\uff19')).toBe(nicknameIdentity('09'));
  });
});

describe('lookalikeKey', () => {
  it('reads a letter by its capital where that imitates Latin capitals, else by its small form', () => {
    expect(lookalikeKey('\u03bc\u03b9\u03ba\u03b5')).toBe(lookalikeKey('mike')); // μικε, from ΜΙΚΕ
    expect(lookalikeKey('\u03bd')).toBe('n'); // ν: N, though small it looks like v
    expect(lookalikeKey('ian')).toBe('lan'); // I at a word start reads as l
    expect(lookalikeKey('neil')).toBe('neil'); // inside a word, i stays i
  });
});

/** The message a refused nickname gets, or null when it is accepted. */
function refusalOf(name: string): string | null {
  const parsed = parseNickname(name);
  if (parsed.ok) return null;
  expect(parsed.error.code).toBe('INVALID_NICKNAME');
  return parsed.error.message;
}

const CAPITAL_I = 'Invalid nickname: a nickname must not have a letter that passes for a capital "I" ("l" for "I") among capitals.';
const CHANGED_LOOK = 'Invalid nickname: a nickname must not have a letter that looks like another letter than it is (such as "ſ", an "s" drawn like "f").';
const SMALL_LETTER = 'Invalid nickname: a nickname must not have a capital that passes for a small letter ("I" for "l") inside a word.';

describe('imitation: an l-like letter among capitals passes for a capital I, and is refused', () => {
  it.each([
    ['a small l for the I of MIKE', 'M\u006cKE', 'MIKE'],
    ['a small l for the I of NEIL', 'NE\u006cL', 'NEIL'],
    ['the click letter ǀ (U+01C0) for the I of KID', 'K\u01c0D', 'KID'],
    ['an all-Cyrillic imitation with a capital palochka (U+04C0)', '\u041c\u04c0\u041a\u0415', 'MIKE'],
    ['an all-Cyrillic imitation with a small palochka (U+04CF)', '\u041c\u04cf\u041a\u0415', 'MIKE'],
    ['a small l between capital Ls', 'L\u006cLY', 'LILY'],
    ['a small l ending a word of capitals', 'KIW\u006c', 'KIWI'],
    ['a run of small ls among capitals', 'HAWA\u006c\u006c', 'HAWAII'],
    ['a full-width small l among full-width capitals', '\uff2d\uff4c\uff2b\uff25', 'MIKE'],
    ['a mathematical small l among capitals', 'M\u{1d425}KE', 'MIKE'],
    ['a script small l (ℓ) among capitals', 'M\u2113KE', 'MIKE'],
  ])('%s', (_label, name, imitated) => {
    expect(parseNickname(imitated).ok).toBe(true);
    expect(refusalOf(name)).toBe(CAPITAL_I);
  });

  it.each([
    ['all capitals', 'ALICE'],
    ['all capitals with I and L', 'LILY'],
    ['title case', 'Lily'],
    ['a word that starts with a capital and ends in l', 'Al'],
    ['an l after a single word-start capital', 'Ally'],
    ['ls after capitals, before small letters', 'MAllory'],
    ['an l at the start of a word of capitals (read as l there, as I is)', 'lAN'],
    ['an l after a capital and a separator', 'MIKE_l'],
    ['a small capital ʟ among capitals (it reads as L)', 'M\u029fKE'],
    ['a digit 1 ending a word of capitals', 'PLAYER1'],
    ['a digit 1 between capitals (a known gap: M1KE)', 'B1A4'],
    ['small palochkas among small Cyrillic letters', '\u0430\u04cf\u0456\u0441\u0435'],
    ['capitals and a word-start capital I', 'Ian_MACINTYRE'],
  ])('accepts %s', (_label, name) => {
    expect(refusalOf(name)).toBeNull();
  });

  it('gives every name that looks like MIKE, KIWI, LILY or HAWAII (same UTS #39 skeleton) its key, or refuses it', () => {
    for (const [frame, imitated] of [['M?KE', 'MIKE'], ['KIW?', 'KIWI'], ['LI?Y', 'LILY'], ['HAWAI?', 'HAWAII']] as const) {
      const target = parseNickname(imitated);
      if (!target.ok) throw new Error(`refused ${imitated}`);
      for (let codePoint = 0; codePoint < 0x110000; codePoint += 1) {
        if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
        const char = String.fromCodePoint(codePoint);
        // Not digits (a known gap: M1KE), nor ʟ, a small capital L that the table maps to l.
        if (!/[\p{L}\p{M}]/u.test(char) || char === '\u029f') continue;
        const name = frame.replace('?', char);
        if (skeleton(name) !== skeleton(imitated)) continue;
        const parsed = parseNickname(name);
        if (parsed.ok && parsed.key !== target.key) throw new Error(`${name} (U+${codePoint.toString(16)}) keys as ${parsed.key}, not ${target.key}`);
      }
    }
  });

  it('keeps the decision on a capital I inside a word among small letters (McIntyre)', () => {
    expect(refusalOf('McIntyre')).toBe(SMALL_LETTER);
  });
});

describe('imitation: a character whose compatibility form looks different is refused', () => {
  it.each([
    ['a Greek lunate sigma (looks like c, NFKC σ, keyed o)', '\u03f2\u03bf\u03bf\u03ba', 'cook'],
    ['lunate sigmas in cocoa', '\u03f2\u03bf\u03f2\u03bf\u03b1', 'cocoa'],
    ['a capital lunate sigma (looks like C, NFKC Σ)', '\u03f9\u039f\u039f\u039a', 'COOK'],
    ['a long s (looks like f, NFKC s)', '\u017fun', 'fun'],
    ['a long s with a dot (looks like ḟ)', '\u1e9bun', 'ḟun'],
    ['a long s decomposed (NFC composes it)', '\u017f\u0307un', 'ḟun'],
    ['the ligature long s + t (looks like ft, NFKC st)', '\ufb05ar', 'ftar'],
  ])('%s', (_label, name, imitated) => {
    expect(parseNickname(imitated).ok).toBe(true);
    expect(refusalOf(name)).toBe(CHANGED_LOOK);
  });

  it('refuses only the characters whose Latin look NFKC changes, among every letter, mark and digit', () => {
    const refused: string[] = [];
    for (let codePoint = 0; codePoint < 0x110000; codePoint += 1) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
      const char = String.fromCodePoint(codePoint);
      if (/[\p{L}\p{M}\p{Nd}]/u.test(char) && normalisingChangesLook(char)) refused.push(char);
    }
    // Long s (and with a dot), lunate sigma (small and capital), ypogegrammeni, a with right half ring, ﬅ.
    expect(refused).toEqual(['\u017f', '\u037a', '\u03f2', '\u03f9', '\u1e9a', '\u1e9b', '\ufb05']);
  }, WHOLE_UNICODE_TIMEOUT_MS);

  it.each([
    ['full-width letters', '\uff41\uff4c\uff49\uff43\uff45', 'alice'],
    ['full-width capitals', '\uff21\uff2c\uff29\uff23\uff25', 'alice'],
    ['mathematical letters', '\u{1d400}\u{1d41b}\u{1d41c}', 'abc'],
    ['a ligature', '\ufb01sh', 'fish'],
    ['the ligature s + t', '\ufb06ar', 'star'],
    ['a script small l', '\u2113ily', 'lily'],
    ['Arabic presentation forms (their hamza is listed apart from NFKC\'s, and kept)', '\ufe8b\ufee3\ufe8e\ufee5', parseKey('\u0626\u0645\u0627\u0646')],
    ['Arabic ligature ﷲ', '\u0639\u0628\u062f\ufdf2', parseKey('\u0639\u0628\u062f\u0627\u0644\u0644\u0647')],
  ])('still accepts %s, keyed as before', (_label, name, key) => {
    expect(parseNickname(name)).toEqual({ ok: true, nickname: name.normalize('NFC'), key });
  });
});

function parseKey(name: string): string {
  const parsed = parseNickname(name);
  if (!parsed.ok) throw new Error(`refused ${name}`);
  return parsed.key;
}

describe('imitation: a dot above on a letter that shows one already is refused', () => {
  const REDOTTED = 'Invalid nickname: a nickname must not put a dot above on an "i" or "j" (nor on a dotless "ı"), where it shows as the plain letter.';
  it.each([
    ['i + dot above (what the Turkish KİM lowercases to)', 'ki\u0307m', 'kim'],
    ['a dotless ı + dot above', 'k\u0131\u0307m', 'kim'],
    ['j + dot above', 'j\u0307ack', 'jack'],
    ['a full-width i + dot above', 'k\uff49\u0307m', 'kim'],
    ['i + dot below + dot above', 'ki\u0323\u0307m', 'kịm'],
  ])('%s', (_label, name, imitated) => {
    expect(parseNickname(imitated).ok).toBe(true);
    expect(nicknameIdentity(name.normalize('NFC')), 'the key cannot see it').not.toBe(nicknameIdentity(imitated));
    expect(refusalOf(name)).toBe(REDOTTED);
  });

  it.each(['KİM', 'İstanbul', 'ȧ', 'ḟun'.toUpperCase()])('accepts %s: the dot is on a letter without one', (name) => {
    expect(refusalOf(name)).toBeNull();
  });
});

describe('legitimate names keep their keys', () => {
  it.each([
    ['alice', 'alice'],
    ['ALICE', 'alice'],
    ['Ian', 'lan'],
    ['ian', 'lan'],
    ['neil', 'neil'],
    ['nell', 'nell'],
    ['NEIL', 'neil'],
    ['MIKE', 'rnike'],
    ['LILY', 'lily'],
    ['Zo\u00eb', 'zo\u00eb'],
    ['\u03a9\u03bc\u03ad\u03b3\u03b1', '\u03c9rn\u00e9ya'],
    ['\u0434\u043c\u0438\u0442\u0440\u0438\u0439', '\u0434rn\u1d0etp\u1d0e\u1d0e\u0306'],
    ['\u30e6\u30ad', '\u30e6\u30ad'],
    ['\uff41\uff4c\uff49\uff43\uff45', 'alice'],
    ['\u{1d400}\u{1d41b}\u{1d41c}', 'abc'],
    ['\ufb01sh', 'fish'],
    ['\u039c\u0399\u039a\u0395', 'rnike'],
    ['\u0430\u04cf\u0456\u0441\u0435', 'alice'],
    ['\u1d00\u029f\u026a\u1d04\u1d07', 'alice'],
    ['stra\u00dfe', 'strasse'],
  ])('%s', (name, key) => {
    expect(parseNickname(name)).toEqual({ ok: true, nickname: name.normalize('NFC'), key });
  });
});

describe('known gaps, pinned so that a change is noticed', () => {
  it.each([
    ['Greek ν is keyed by its capital N, not by its small look v', '\u03bd\u03b9\u03ba\u03b5', 'vike'],
    ['Greek υ is keyed by its capital Y, not by its small look u', '\u03bf\u03c5\u03c4', 'out'],
    ['Greek β is keyed by its capital B, not by its small look ß', '\u03b2\u03b9\u03b1', '\u00dfia'],
    ['multi-letter look-alikes confusables.txt does not list (cl for d)', 'clave', 'dave'],
    ['a bar after a word\'s single capital (I or l, nothing tells)', 'AI', 'Al'],
    ['a digit 1 among capitals (refusing it would refuse B1A4)', 'M1KE', 'MIKE'],
  ])('%s', (_label, a, b) => {
    const keys = keysOf(a, b);
    expect(keys).not.toBeNull();
    expect(keys?.[0]).not.toBe(keys?.[1]);
  });
});
