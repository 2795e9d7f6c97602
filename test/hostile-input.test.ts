// Whatever one client sends, it gets a clear `error` event or the documented close code, and the chat
// keeps serving everyone else with their state untouched. Real ws clients → local gateway → handlers →
// dynalite. Each case names the behaviour it pins down, where a choice was made.
import { describe, expect, it } from 'vitest';
import { MAX_TEXT_LENGTH } from '../functions/core/frame.ts';
import { ChatClient, HandshakeRefused } from './support/client.ts';
import { useLocalChat } from './support/chat.ts';
import { expectStillServing, expectUnchanged, snapshotOf } from './support/still-serving.ts';

// A rate limit well above what any case here sends from one connection, so only the flood meets it.
const RATE_LIMIT_FRAMES = 60;
const chat = useLocalChat({ env: { RATE_LIMIT_FRAMES: String(RATE_LIMIT_FRAMES), RATE_LIMIT_WINDOW_MS: '10000' } });
const KB = 1024;

/** Sends each frame and checks the error code it gets, in order. */
async function expectErrors(client: ChatClient, cases: ReadonlyArray<readonly [string, string]>): Promise<void> {
  for (const [frame, code] of cases) {
    client.send(frame);
    const error = await client.next('error');
    expect({ frame: frame.slice(0, 60), code: error.code }).toEqual({ frame: frame.slice(0, 60), code });
    expect(error.message.length).toBeGreaterThan(5);
  }
}

/** Sends each frame and checks that everyone logged in gets it as exactly this chat text. */
async function expectRelayed(sender: ChatClient, others: ChatClient[], cases: ReadonlyArray<readonly [string, string]>): Promise<void> {
  for (const [frame, text] of cases) {
    sender.send(frame);
    for (const client of [sender, ...others]) {
      const message = await client.next('message');
      expect({ frame: frame.slice(0, 60), text: message.text }).toEqual({ frame: frame.slice(0, 60), text });
    }
  }
}

async function closeCodeOf(client: ChatClient): Promise<number> {
  return (await client.whenClosed()).code;
}

/** A bystander logged in before the hostile step, and what it sees. */
async function bystander(name = 'alice') {
  const client = await chat.login(name);
  return { client, before: await snapshotOf(client) };
}

describe('malformed JSON frames get BAD_REQUEST', () => {
  it('for invalid, truncated or trailing-garbage JSON', async () => {
    const { client: alice, before } = await bystander();
    const guest = await chat.connect();
    await expectErrors(guest, [
      ['{', 'BAD_REQUEST'],
      ['{"action":"message","text":"hi"', 'BAD_REQUEST'],
      ['{"action":"message","text":"hi"}}', 'BAD_REQUEST'],
      ['{"action":"message","text":"hi"} trailing', 'BAD_REQUEST'],
      ["{'action':'message','text':'hi'}", 'BAD_REQUEST'],
      ['{action:"message",text:"hi"}', 'BAD_REQUEST'],
      ['{"action":"message","text":"\\x41"}', 'BAD_REQUEST'],
      ['{"action":"message","text":"unterminated}', 'BAD_REQUEST'],
      ['{"text":"hi"}\u0000', 'BAD_REQUEST'],
      ['   {"action":"message","text":', 'BAD_REQUEST'],
    ]);
    await expectUnchanged(chat, alice, before);
    await expectStillServing(chat);
  });

  it('for a JSON object whose text is missing or not a string (a duplicate key counts as its last value)', async () => {
    const { client: alice, before } = await bystander();
    const guest = await chat.connect();
    await expectErrors(guest, [
      ['{"action":"message"}', 'BAD_REQUEST'],
      ['{}', 'BAD_REQUEST'],
      ['{"action":"message","text":7}', 'BAD_REQUEST'],
      ['{"action":"message","text":true}', 'BAD_REQUEST'],
      ['{"action":"message","text":null}', 'BAD_REQUEST'],
      ['{"action":"message","text":["hi"]}', 'BAD_REQUEST'],
      ['{"action":"message","text":{"text":"hi"}}', 'BAD_REQUEST'],
      ['{"action":"message","text":"hi","text":5}', 'BAD_REQUEST'],
      ['{"action":["message"],"text":1e400}', 'BAD_REQUEST'],
    ]);
    await expectUnchanged(chat, alice, before);
    await expectStillServing(chat);
  });

  it('relays JSON that is not an object (array, number, string, null, boolean) as the plain chat text it is', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    await expectRelayed(alice, [bob], [
      ['[1,2,3]', '[1,2,3]'],
      ['42', '42'],
      ['"quoted"', '"quoted"'],
      ['null', 'null'],
      ['true', 'true'],
      ['[{"action":"message","text":"hi"}]', '[{"action":"message","text":"hi"}]'],
    ]);
  });

  it('reads text from odd but valid JSON objects: padding, other action values, __proto__, deep nesting', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const deep = `{"text":"deep","a":${'['.repeat(15_000)}${']'.repeat(15_000)}}`;
    await expectRelayed(alice, [bob], [
      ['  \n{"action":"message","text":"padded"}  ', 'padded'],
      ['{"action":42,"text":"numeric action"}', 'numeric action'],
      ['{"action":"$connect","text":"route-like action"}', 'route-like action'],
      ['{"text":"no action"}', 'no action'],
      ['{"text":"proto","__proto__":{"text":5}}', 'proto'],
      [deep, 'deep'],
    ]);
  });
});

describe('empty and whitespace-only text gets EMPTY_MESSAGE', () => {
  it('for an empty frame, ASCII and Unicode white space, and an empty JSON text', async () => {
    const { client: alice, before } = await bystander();
    await expectErrors(alice, [
      ['', 'EMPTY_MESSAGE'],
      ['   ', 'EMPTY_MESSAGE'],
      ['\t\r\n', 'EMPTY_MESSAGE'],
      ['\u00a0\u2003\u3000\u2028\ufeff', 'EMPTY_MESSAGE'],
      ['{"action":"message","text":""}', 'EMPTY_MESSAGE'],
      ['{"action":"message","text":" \\n\\t "}', 'EMPTY_MESSAGE'],
      ['@alice    ', 'EMPTY_MESSAGE'],
    ]);
    await expectUnchanged(chat, alice, before);
  });

  it('relays text of only zero-width characters: they are not white space, and nothing is lost by relaying them', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    await expectRelayed(alice, [bob], [['\u200b\u200d\u2060', '\u200b\u200d\u2060']]);
  });
});

describe(`the ${MAX_TEXT_LENGTH}-character limit counts code points, not UTF-16 units or graphemes`, () => {
  it('accepts text at the limit and refuses one more with TOO_LARGE, in ASCII, emoji and combining marks', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const emoji = '\u{1f600}'; // two UTF-16 units
    const accent = 'e\u0301'; // two code points, one grapheme
    await expectRelayed(alice, [bob], [
      ['x'.repeat(MAX_TEXT_LENGTH), 'x'.repeat(MAX_TEXT_LENGTH)],
      [emoji.repeat(MAX_TEXT_LENGTH), emoji.repeat(MAX_TEXT_LENGTH)],
      [accent.repeat(MAX_TEXT_LENGTH / 2), accent.repeat(MAX_TEXT_LENGTH / 2)],
      [JSON.stringify({ action: 'message', text: emoji.repeat(MAX_TEXT_LENGTH) }), emoji.repeat(MAX_TEXT_LENGTH)],
    ]);
    await expectErrors(alice, [
      ['x'.repeat(MAX_TEXT_LENGTH + 1), 'TOO_LARGE'],
      [emoji.repeat(MAX_TEXT_LENGTH + 1), 'TOO_LARGE'],
      [`${accent.repeat(MAX_TEXT_LENGTH / 2)}e`, 'TOO_LARGE'],
      [JSON.stringify({ action: 'message', text: 'y'.repeat(MAX_TEXT_LENGTH + 1) }), 'TOO_LARGE'],
    ]);
    expect(bob.received('message')).toHaveLength(4);
  });

  it('counts the text as sent: surrounding spaces and the "@name " of a private message are part of it', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const prefix = '@bob ';
    alice.send(prefix + 'p'.repeat(MAX_TEXT_LENGTH - prefix.length));
    expect((await bob.next('private')).text).toHaveLength(MAX_TEXT_LENGTH - prefix.length);
    await expectErrors(alice, [
      [prefix + 'p'.repeat(MAX_TEXT_LENGTH - prefix.length + 1), 'TOO_LARGE'],
      [` ${'x'.repeat(MAX_TEXT_LENGTH)}`, 'TOO_LARGE'],
    ]);
  });
});

describe('control, invisible and bidirectional characters in text', () => {
  it('relays control characters verbatim, JSON-escaped on the wire, so every frame stays valid JSON', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const wire = bob.recordTexts();
    const text = 'a\u0000b\u0007c\u001b[31mred\u007fd\u0085e\u009bf\r\nline two';
    await expectRelayed(alice, [bob], [[text, text]]);
    const frame = wire.find((raw) => raw.includes('"message"'));
    expect(frame).toBeDefined();
    const rawControls = [...(frame ?? '')].filter((char) => char < ' '); // C0 controls travel as \u00XX escapes
    expect(rawControls).toEqual([]);
    expect(frame).toContain('\\u0000');
  });

  it('relays right-to-left marks, overrides and isolates and zero-width joiners: text needs them, nicknames do not', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const cases = ['שלום \u200f(hi)\u200e', '\u202egnirts desrever', 'a\u2066isolated\u2069b', 'a\u200bb\u200cc\u200dd', '\u{1f469}\u200d\u{1f4bb}'];
    await expectRelayed(alice, [bob], cases.map((text) => [text, text] as const));
  });

  it('refuses a lone surrogate (only a JSON escape can carry one) with BAD_REQUEST, and accepts an escaped pair', async () => {
    const { client: alice, before } = await bystander();
    const bob = await chat.login('bob');
    await expectErrors(bob, [
      ['{"action":"message","text":"a\\ud800b"}', 'BAD_REQUEST'],
      ['{"action":"message","text":"\\udc00"}', 'BAD_REQUEST'],
      ['{"action":"message","text":"\\ude00\\ud83d"}', 'BAD_REQUEST'],
      ['{"action":"message","text":"/nick bob\\ud800"}', 'BAD_REQUEST'],
      ['{"action":"message","text":"@alice \\udfff"}', 'BAD_REQUEST'],
    ]);
    await expectRelayed(bob, [alice], [['{"action":"message","text":"\\ud83d\\ude00"}', '\u{1f600}']]);
    await expectUnchanged(chat, alice, { ...before, users: ['alice', 'bob'] });
  });

  it('closes a connection that sends invalid UTF-8 in a text frame with 1007 (RFC 6455), and serves the others', async () => {
    const { client: alice, before } = await bystander();
    const mangler = await chat.connect();
    mangler.socket.send(Buffer.from([0x68, 0x69, 0xed, 0xa0, 0x80]), { binary: false }); // "hi" + an encoded surrogate
    expect(await closeCodeOf(mangler)).toBe(1007);
    await expectUnchanged(chat, alice, before);
    await expectStillServing(chat);
  });
});

describe('nicknames', () => {
  it('refuses control, invisible, bidirectional and surrogate characters with INVALID_NICKNAME', async () => {
    const { client: alice, before } = await bystander();
    const guest = await chat.connect();
    const names = ['al\u0000ice', 'al\u0007ice', 'alice\u200b', 'al\u200dice', 'alice\u200f', '\u202eecila', 'alice\ufe0f', 'al\u034fice', 'alice\u3164', 'al\ufeffice', '\u0301alice'];
    await expectErrors(guest, names.map((name) => [`/nick ${name}`, 'INVALID_NICKNAME'] as const));
    await expectErrors(guest, [['{"action":"message","text":"/nick ali\\ud800ce"}', 'BAD_REQUEST']]);
    await expectUnchanged(chat, alice, before);
  });

  it('refuses a lone surrogate (percent-encoded as invalid UTF-8) in ?nickname= with 400', async () => {
    await expect(ChatClient.connect(`${chat.chat.url}/?nickname=ali%ED%A0%80ce`)).rejects.toEqual(new HandshakeRefused(400));
    await expect(ChatClient.connect(`${chat.chat.url}/?nickname=ali%00ce`)).rejects.toEqual(new HandshakeRefused(400));
  });

  it('treats names that look the same as one name: case, NFC/NFD, full width, whole-script look-alikes', async () => {
    const { client: alice, before } = await bystander('alice');
    const imitator = await chat.connect();
    const lookalikes = [
      'ALICE',
      'Alice',
      '\uff41\uff4c\uff49\uff43\uff45', // full-width Latin
      '\u0430\u04cf\u0456\u0441\u0435', // all Cyrillic: а ӏ і с е
      '\u0251lice', // Latin alpha
    ];
    await expectErrors(imitator, lookalikes.map((name) => [`/nick ${name}`, 'NICKNAME_TAKEN'] as const));
    await expect(chat.connect({ nickname: '\uff21\uff2c\uff29\uff23\uff25' })).rejects.toEqual(new HandshakeRefused(409));
    await expectUnchanged(chat, alice, before);
  });

  it('refuses names that mix scripts to imitate another (a Cyrillic "а" among Latin letters) with INVALID_NICKNAME', async () => {
    const { client: alice, before } = await bystander('alice');
    const imitator = await chat.connect();
    await expectErrors(imitator, [
      ['/nick \u0430lice', 'INVALID_NICKNAME'],
      ['/nick alic\u0435', 'INVALID_NICKNAME'],
      ['/nick \u03b1lice', 'INVALID_NICKNAME'],
      ['/nick alice\u0661', 'INVALID_NICKNAME'],
    ]);
    await expectUnchanged(chat, alice, before);
  });

  it('delivers a private message addressed by a look-alike of a name to that name\'s holder only', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    bob.send('@\uff41\uff4c\uff49\uff43\uff45 hi');
    expect(await alice.next('private')).toMatchObject({ from: 'bob', to: 'alice', text: 'hi' });
    await bob.next('private');
  });

  it('keeps the NFC form of a name as typed: a decomposed name is shown composed', async () => {
    const zoe = await chat.login('Zoe\u0308');
    zoe.send('/whoami');
    expect((await zoe.next('whoami')).nickname).toBe('Zo\u00eb');
  });
});

describe('names and text shaped like the store\'s keys', () => {
  it('refuses key-shaped nicknames and room names, relays key-shaped text, and finds no user behind key-shaped addresses', async () => {
    const { client: alice, before } = await bystander();
    const aliceId = before.whoami.connectionId;
    const prober = await chat.login('prober');
    await expectErrors(prober, [
      ['/nick CONN#x', 'INVALID_NICKNAME'],
      ['/nick NICK#alice', 'INVALID_NICKNAME'],
      [`/nick CONN#${aliceId}`, 'INVALID_NICKNAME'],
      [`/nick ${aliceId}`, 'INVALID_NICKNAME'], // connection ids end in "="
      ['@NICK#alice hi', 'NO_SUCH_USER'],
      [`@CONN#${aliceId} hi`, 'NO_SUCH_USER'],
      [`@${aliceId} hi`, 'NO_SUCH_USER'],
      ['/join #rooms', 'INVALID_ROOM'],
      ['/join #history:lobby', 'INVALID_ROOM'],
    ]);
    await expectRelayed(prober, [alice], [
      ['NICK#alice', 'NICK#alice'],
      [`CONN#${aliceId}`, `CONN#${aliceId}`],
    ]);
    await prober.close();
    await alice.waitFor((event) => event.type === 'system' && event.text === 'prober left', '"prober left"');
    await expectUnchanged(chat, alice, { ...before, users: ['alice'] });
  });

  it('lets plain names that spell a prefix (NICK, CONN) log in without touching anyone', async () => {
    const { client: alice, before } = await bystander();
    const nick = await chat.login('NICK');
    const conn = await chat.login('CONN');
    conn.send('@NICK hello');
    expect(await nick.next('private')).toMatchObject({ from: 'CONN', to: 'NICK', text: 'hello' });
    await Promise.all([nick.close(), conn.close()]);
    await alice.waitFor((event) => event.type === 'system' && event.text === 'CONN left', '"CONN left"');
    await alice.waitFor((event) => event.type === 'system' && event.text === 'NICK left', '"NICK left"');
    await expectUnchanged(chat, alice, before);
  });
});

describe('frames the gateway refuses close only the sender\'s connection', () => {
  it.each([
    ['a text frame over 32 KB', 1009, (c: ChatClient) => c.socket.send('x'.repeat(32 * KB + 1))],
    ['a text frame over 128 KB', 1009, (c: ChatClient) => c.socket.send('x'.repeat(128 * KB + 1))],
    [
      'a message of 32 KB fragments adding up to over 128 KB',
      1009,
      (c: ChatClient) => {
        for (let i = 0; i < 4; i += 1) c.socket.send('f'.repeat(30 * KB), { fin: false });
        c.socket.send('f'.repeat(30 * KB), { fin: true });
      },
    ],
    ['a binary frame', 1003, (c: ChatClient) => c.socket.send(Buffer.from('{"action":"message","text":"hi"}'))],
  ])('%s: closed with %i, logged out and announced as left, the name freed', async (_label, code, offend) => {
    const { client: alice, before } = await bystander();
    const offender = await chat.login('offender');
    offend(offender);
    expect(await closeCodeOf(offender)).toBe(code);
    await alice.waitFor((event) => event.type === 'system' && event.text === 'offender left', '"offender left"');
    await expectUnchanged(chat, alice, { ...before, users: ['alice'] });
    await chat.login('offender');
    await expectStillServing(chat);
  });

  it('accepts a frame of exactly 32 KB and answers TOO_LARGE for its text, keeping the connection', async () => {
    const alice = await chat.login('alice');
    await expectErrors(alice, [['x'.repeat(32 * KB), 'TOO_LARGE']]);
    alice.send('still here');
    expect((await alice.next('message')).text).toBe('still here');
  });
});

describe('a flood of frames from one connection', () => {
  it(`is cut to ${RATE_LIMIT_FRAMES} frames per window with RATE_LIMITED, and does not slow the others down to nothing`, async () => {
    const alice = await chat.login('alice');
    const flooder = await chat.login('flooder');
    const floodSize = 400;
    for (let i = 0; i < floodSize; i += 1) flooder.send(`flood ${i}`);
    await flooder.error('RATE_LIMITED');
    // Others are served while the flood is still being handled: the frames counted before RATE_LIMITED
    // may still be fanning out, to the honest pair too, so only the flooder's broadcasts may come between.
    await expectStillServing(chat, ['flooder']);
    // Every flood message that got through reached alice exactly as it reached the flooder: compared once
    // no handler is left and everything posted has arrived, so both lists are final.
    await chat.settled(alice, flooder);
    const floodTexts = (client: ChatClient) => client.received('message').filter((m) => m.from === 'flooder').map((m) => m.text);
    const accepted = floodTexts(flooder);
    expect(accepted.length).toBeGreaterThan(0);
    expect(floodTexts(alice)).toHaveLength(accepted.length);
    expect(new Set(accepted).size).toBe(accepted.length);
    expect(new Set(floodTexts(alice))).toEqual(new Set(accepted));
    // The burst spans at most two rate windows, so at most twice the limit got through.
    expect(accepted.length).toBeLessThanOrEqual(2 * RATE_LIMIT_FRAMES);
    await flooder.close();
    await alice.waitFor((event) => event.type === 'system' && event.text === 'flooder left', '"flooder left"');
    const { users } = await snapshotOf(alice);
    expect(users.filter((user) => !user.startsWith('honest'))).toEqual(['alice']);
  });
});
