import { describe, expect, it } from 'vitest';
import { MAX_TEXT_LENGTH, parseFrame } from '../functions/core/frame.ts';

const command = (body: string) => {
  const result = parseFrame(body);
  if (!result.ok) throw new Error(`expected a command, got ${result.error.code}`);
  return result.command;
};
const errorCode = (body: string) => {
  const result = parseFrame(body);
  return result.ok ? null : result.error.code;
};

describe('parseFrame: frame forms', () => {
  it('takes plain text as typed in wscat as chat text', () => {
    expect(command('hello there')).toEqual({ kind: 'broadcast', text: 'hello there' });
  });

  it('takes the text field of a JSON frame', () => {
    expect(command('{"action":"message","text":"/nick alice"}')).toEqual({ kind: 'nick', nickname: 'alice', key: 'alice' });
    expect(command(' {"text":"hi"}')).toEqual({ kind: 'broadcast', text: 'hi' });
  });

  it('rejects a frame that starts with { but is not JSON, or lacks a string text', () => {
    expect(errorCode('{"action":"message","text":')).toBe('BAD_REQUEST');
    expect(errorCode('{not json')).toBe('BAD_REQUEST');
    expect(errorCode('{"action":"message"}')).toBe('BAD_REQUEST');
    expect(errorCode('{"action":"message","text":42}')).toBe('BAD_REQUEST');
    expect(errorCode('{"action":"message","text":null}')).toBe('BAD_REQUEST');
  });

  it('treats JSON that is not an object as plain text (only "{" marks a JSON frame)', () => {
    expect(command('[1,2]')).toEqual({ kind: 'broadcast', text: '[1,2]' });
    expect(command('"quoted"')).toEqual({ kind: 'broadcast', text: '"quoted"' });
  });
});

describe('parseFrame: chat grammar', () => {
  it.each([
    ['/ls', { kind: 'list' }],
    ['/help', { kind: 'help' }],
    ['/i', { kind: 'ignore' }],
    ['/whoami', { kind: 'whoami' }],
    ['/LS', { kind: 'list' }],
    ['  /help  ', { kind: 'help' }],
  ])('%s', (text, expected) => {
    expect(command(text)).toEqual(expected);
  });

  it('parses /nick with NFC normalisation and a case-folded key', () => {
    expect(command('/nick Ali\u0301ce')).toEqual({ kind: 'nick', nickname: 'Alíce', key: 'alíce' });
  });

  it('rejects /nick without a name or with an invalid one', () => {
    expect(errorCode('/nick')).toBe('INVALID_NICKNAME');
    expect(errorCode('/nick two words')).toBe('INVALID_NICKNAME');
    expect(errorCode('/nick bad!name')).toBe('INVALID_NICKNAME');
    expect(errorCode(`/nick ${'a'.repeat(25)}`)).toBe('INVALID_NICKNAME');
  });

  it('parses private messages', () => {
    expect(command('@Bob hi there')).toEqual({ kind: 'private', to: 'Bob', toKey: 'bob', text: 'hi there' });
    expect(command('@bob   multi\nline')).toEqual({ kind: 'private', to: 'bob', toKey: 'bob', text: 'multi\nline' });
  });

  it('rejects private messages without a target or text', () => {
    expect(errorCode('@bob')).toBe('EMPTY_MESSAGE');
    expect(errorCode('@bob    ')).toBe('EMPTY_MESSAGE');
    expect(errorCode('@ hi')).toBe('NO_SUCH_USER');
    expect(errorCode('@b!b hi')).toBe('NO_SUCH_USER');
  });

  it('reports unknown commands', () => {
    expect(errorCode('/dance')).toBe('UNKNOWN_COMMAND');
    expect(errorCode('/')).toBe('UNKNOWN_COMMAND');
    const result = parseFrame(`/${'x'.repeat(500)}`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message.length).toBeLessThan(120);
  });

  it('reports empty messages', () => {
    expect(errorCode('')).toBe('EMPTY_MESSAGE');
    expect(errorCode('   \n\t ')).toBe('EMPTY_MESSAGE');
    expect(errorCode('{"action":"message","text":"   "}')).toBe('EMPTY_MESSAGE');
  });

  it(`allows ${MAX_TEXT_LENGTH} characters and refuses one more, counting code points`, () => {
    expect(command('a'.repeat(MAX_TEXT_LENGTH))).toEqual({ kind: 'broadcast', text: 'a'.repeat(MAX_TEXT_LENGTH) });
    expect(errorCode('a'.repeat(MAX_TEXT_LENGTH + 1))).toBe('TOO_LARGE');
    // 4,096 emoji are 8,192 UTF-16 units but 4,096 characters
    expect(parseFrame('😀'.repeat(MAX_TEXT_LENGTH)).ok).toBe(true);
    expect(errorCode('😀'.repeat(MAX_TEXT_LENGTH + 1))).toBe('TOO_LARGE');
  });
});
