import { describe, expect, it } from 'vitest';
import { nicknameKey, parseNickname } from '../functions/core/nickname.ts';

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
