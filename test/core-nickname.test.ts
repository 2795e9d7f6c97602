import { describe, expect, it } from 'vitest';
import { nicknameIdentity, nicknameKey, parseNickname } from '../functions/core/nickname.ts';
import { isMixedScript, resolvedScripts } from '../functions/core/scripts.ts';
import { skeleton } from '../functions/core/lookalikes.ts';

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
  ])('%s', (_label, a, b) => {
    const keys = keysOf(a, b);
    expect(keys).not.toBeNull();
    expect(keys?.[1]).toBe(keys?.[0]);
  });

  it('keeps genuinely different names apart, in any script', () => {
    const names = ['alice', 'alicia', 'bob', 'дмитрий', 'дмитрии', 'ユキ', 'ゆき', 'Ωμέγα', 'नमस्ते', 'neil', 'nell', 'x1', 'x2'];
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
      widest = Math.max(widest, Buffer.byteLength(nicknameIdentity(char)));
    }
    // The key is the members index's sort key: DynamoDB refuses one over 1,024 bytes (dynalite does not).
    expect(widest * 24).toBeLessThanOrEqual(1024);
  });
});

describe('skeleton', () => {
  it('maps non-ASCII decimal digits to their value', () => {
    expect(skeleton('\u0660\u0669\u0966\u096f\uff10')).toBe('09090');
    expect(nicknameIdentity('\uff10\uff19')).toBe('09');
  });

  it('leaves letters without a Latin look-alike alone', () => {
    expect(skeleton('дж')).toBe('дж');
  });
});
