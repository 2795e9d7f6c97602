import { describe, expect, it } from 'vitest';
import { LOBBY, parseRoomName } from '../functions/core/room.ts';
import { NAME_PATTERN } from '../functions/core/nickname.ts';

/** Walks over every code point: seconds idle, several times that on a loaded machine. Only a hang guard. */
const WHOLE_UNICODE_TIMEOUT_MS = 180_000;

function roomOf(raw: string): string {
  const parsed = parseRoomName(raw);
  if (!parsed.ok) throw new Error(`refused ${raw}: ${parsed.error.message}`);
  return parsed.room;
}

describe('parseRoomName', () => {
  it.each([
    ['full-width letters (NFKC)', '\uff4c\uff4f\uff42\uff42\uff59', LOBBY],
    ['capitals', 'LOBBY', LOBBY],
    ['a digit one for the l of the lobby', '1obby', LOBBY],
    ['a digit zero for its o', 'l0bby', LOBBY],
    ['case', 'Games', 'games'],
    ['full width, any room', '\uff27\uff41\uff4d\uff45\uff53', 'games'],
    ['full case folding', 'STRASSE', 'strasse'],
    ['full case folding, the other way', 'stra\u00dfe', 'strasse'],
    ['an all-Cyrillic imitation of a Latin name', '\u0430\u04cf\u0456\u0441\u0435', 'alice'],
    ['small capitals', '\u1d00\u029f\u026a\u1d04\u1d07', 'alice'],
    ['digits of another numbering system', '\u0660\u0660\u0667', '007'],
    ['a name of its own script, kept as it is', '\u043f\u0440\u0438\u0432\u0435\u0442', '\u043f\u0440\u0438\u0432\u0435\u0442'],
    ['Greek capitals, shown folded, as the Greek word', '\u039c\u0399\u039a\u0395', '\u03bc\u03b9\u03ba\u03b5'],
    ['NFD', 'Zoe\u0308', 'zo\u00eb'],
    ['a ligature whose compatibility form is 24 letters at most', '\ufdf2'.repeat(6), '\u0627\u0644\u0644\u0647'.repeat(6)],
    ['a Latin spelling of 24 letters', '\ua733'.repeat(12), 'a'.repeat(24)],
  ])('%s', (_label, raw, room) => {
    expect(roomOf(raw)).toBe(room);
  });

  it('makes one room of names that differ only in case', () => {
    expect(roomOf('\u039c\u0399\u039a\u0395')).toBe(roomOf('\u03bc\u03b9\u03ba\u03b5'));
    expect(roomOf('ALICE')).toBe(roomOf('\u0430\u04cf\u0456\u0441\u0435'));
  });

  it('keeps different rooms apart', () => {
    const rooms = ['lobby', 'hobby', 'games', 'modern', 'alice', 'alicia', 'neil', 'nell', 'привет', 'μικε', 'mike', 'room1', 'room2'];
    expect(new Set(rooms.map(roomOf)).size).toBe(rooms.length);
  });

  it.each([
    ['empty', '', 'a room name needs at least one character'],
    ['25 characters', 'r'.repeat(25), 'a room name has at most 24 characters'],
    ['a space', 'two words', 'a room name may contain only letters, digits, "_", "-" and "."'],
    ['a key-prefix shape', '#hash', 'a room name may contain only letters, digits, "_", "-" and "."'],
    ['an invisible character', 'lob\u200bby', 'a room name may contain only letters, digits, "_", "-" and "."'],
    ['only combining marks', '\u0301\u0301', 'a room name needs a letter or digit'],
    ['a leading combining mark', '\u0301lobby', 'a room name cannot start with a combining mark'],
    ['mixed scripts', 'l\u043ebby', 'a room name must not mix letters of different scripts'],
    ['a letter whose compatibility form has spaces', '\ufdfa', 'a room name may contain only letters, digits, "_", "-" and "." (in compatibility form too)'],
    ['24 letters whose compatibility form is 96 (ﷲ is four)', '\ufdf2'.repeat(24), 'a room name has at most 24 characters (in compatibility form too)'],
    ['7 letters whose compatibility form is 28', '\ufdf2'.repeat(7), 'a room name has at most 24 characters (in compatibility form too)'],
    ['a compatibility form of 25 letters', 'a'.repeat(23) + '\ufb01', 'a room name has at most 24 characters (in compatibility form too)'],
    ['a Latin spelling of 26 letters (ꜳ is aa)', '\ua733'.repeat(13), 'a room name has at most 24 characters (in compatibility form too)'],
  ])('refuses %s with INVALID_ROOM, in words about rooms', (_label, raw, reason) => {
    const parsed = parseRoomName(raw);
    expect(parsed).toEqual({ ok: false, error: { code: 'INVALID_ROOM', message: `Invalid room name: ${reason}.` } });
    if (!parsed.ok) expect(parsed.error.message).not.toMatch(/nickname/i);
  });

  it('names every room with a valid name, free of "#", whatever letter, mark or digit it is', () => {
    for (let codePoint = 0; codePoint < 0x110000; codePoint += 1) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
      const char = String.fromCodePoint(codePoint);
      if (!/[\p{L}\p{M}\p{Nd}]/u.test(char)) continue;
      const parsed = parseRoomName(`a${char}`);
      if (!parsed.ok) {
        if (/nickname/i.test(parsed.error.message)) throw new Error(parsed.error.message);
        continue;
      }
      // The index partitions (`#rooms`, `#history:<room>`) rely on no room name containing "#".
      if (!NAME_PATTERN.test(parsed.room) || parsed.room.includes('#')) throw new Error(`U+${codePoint.toString(16)} names ${parsed.room}`);
    }
  }, WHOLE_UNICODE_TIMEOUT_MS);

  it('names no room longer than 24 characters, whatever the 24th character is', () => {
    for (let codePoint = 0; codePoint < 0x110000; codePoint += 1) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
      const char = String.fromCodePoint(codePoint);
      if (!/[\p{L}\p{M}\p{Nd}]/u.test(char)) continue;
      const parsed = parseRoomName(`${'r'.repeat(23)}${char}`);
      if (parsed.ok && [...parsed.room].length > 24) throw new Error(`U+${codePoint.toString(16)} names ${parsed.room}`);
    }
  }, WHOLE_UNICODE_TIMEOUT_MS);
});
