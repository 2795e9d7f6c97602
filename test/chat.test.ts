// The chat end to end: real ws clients → local gateway → the Lambda handlers → dynalite, and back
// through the real management API client. Every row of the protocol table and every error code.
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../functions/core/events.ts';
import { HandshakeRefused } from './support/client.ts';
import { useLocalChat } from './support/chat.ts';

const chat = useLocalChat();
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('logging in', () => {
  it('sends login to the user and "joined" to everyone logged in', async () => {
    const bob = await chat.login('bob');
    const alice = await chat.connect();
    alice.send('/nick alice');
    const login = await alice.next('login');
    expect(login).toEqual({ type: 'login', at: expect.stringMatching(ISO_UTC), nickname: 'alice', resume: expect.stringMatching(/^[\w-]+\.[\w-]{43}$/u) });
    expect((await bob.next('system')).text).toBe('alice joined');
    expect((await alice.next('system')).text).toBe('alice joined');
  });

  it('logs in at $connect with ?nickname=, announcing to the others', async () => {
    const bob = await chat.login('bob');
    const carol = await chat.connect({ nickname: 'carol' });
    expect((await bob.next('system')).text).toBe('carol joined');
    carol.send('/whoami');
    expect((await carol.next('whoami')).nickname).toBe('carol');
  });

  it('refuses the handshake with 409 for a taken name and 400 for an invalid one', async () => {
    await chat.login('Dave');
    await expect(chat.connect({ nickname: 'dave' })).rejects.toEqual(new HandshakeRefused(409));
    await expect(chat.connect({ nickname: 'no spaces' })).rejects.toEqual(new HandshakeRefused(400));
    await expect(chat.connect({ nickname: '' })).rejects.toEqual(new HandshakeRefused(400));
  });

  it('keeps nicknames unique case-insensitively, and NFC-normalised', async () => {
    await chat.login('Zoë');
    const other = await chat.connect();
    other.send('/nick ZOË');
    await other.error('NICKNAME_TAKEN');
    other.send('/nick Zoe\u0308'); // decomposed form of the same name
    await other.error('NICKNAME_TAKEN');
    other.send('/nick zoe');
    expect((await other.next('login')).nickname).toBe('zoe');
  });

  it('rejects invalid nicknames', async () => {
    const guest = await chat.connect();
    for (const name of ['a b', 'x'.repeat(25), 'bad!', 'NICK#x', 'al\u200bice']) {
      guest.send(`/nick ${name}`);
      await guest.error('INVALID_NICKNAME');
    }
    guest.send('/nick');
    await guest.error('INVALID_NICKNAME');
  });

  it('lets exactly one of many simultaneous /nick for the same name win', async () => {
    const racers = await Promise.all(Array.from({ length: 12 }, () => chat.connect()));
    for (const racer of racers) racer.send('/nick Highlander');
    const outcomes = await Promise.all(
      racers.map((racer) => racer.waitFor((event) => event.type === 'login' || event.type === 'error', 'login or error')),
    );
    expect(outcomes.filter((event) => event.type === 'login')).toHaveLength(1);
    const errors = outcomes.filter((event) => event.type === 'error');
    expect(errors).toHaveLength(11);
    for (const error of errors) expect(error).toMatchObject({ code: 'NICKNAME_TAKEN' });
  });

  it('renames, announcing it and freeing the old name', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    await alice.next('system'); // bob joined
    alice.send('/nick al');
    expect((await alice.next('login')).nickname).toBe('al');
    expect((await bob.next('system')).text).toBe('alice is now al');
    const newcomer = await chat.login('alice'); // the old name is free again
    newcomer.send('/ls');
    expect((await newcomer.next('users')).users).toEqual(['al', 'alice', 'bob']);
  });

  it('renames to a different case of the same name, and re-sending the same name changes nothing', async () => {
    const alice = await chat.login('alice');
    alice.send('/nick Alice');
    expect((await alice.next('login')).nickname).toBe('Alice');
    expect((await alice.next('system')).text).toBe('alice is now Alice');
    alice.send('/nick Alice');
    expect((await alice.next('login')).nickname).toBe('Alice');
    await chat.settled(alice);
    expect(alice.received('system').map((event) => event.text)).toEqual(['alice joined', 'alice is now Alice']);
  });
});

describe('messages', () => {
  it('broadcasts to every logged-in user, the sender included, but not to guests', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const guest = await chat.connect();
    alice.send('hello everyone');
    for (const client of [alice, bob]) {
      expect(await client.next('message')).toEqual({
        type: 'message',
        seq: expect.any(Number),
        at: expect.stringMatching(ISO_UTC),
        room: 'lobby',
        from: 'alice',
        text: 'hello everyone',
      });
    }
    await chat.settled(guest);
    expect(guest.received('message')).toEqual([]);
  });

  it('accepts JSON frames on the message route, taking identity only from the connection', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    alice.send(JSON.stringify({ action: 'message', text: 'via json', from: 'bob', nickname: 'bob' }));
    expect(await bob.next('message')).toMatchObject({ from: 'alice', text: 'via json' });
  });

  it('delivers private messages to the target and the sender only', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const carol = await chat.login('carol');
    alice.send('@BOB psst');
    const expected = { type: 'private', at: expect.stringMatching(ISO_UTC), from: 'alice', to: 'bob', text: 'psst' };
    expect(await bob.next('private')).toEqual(expected);
    expect(await alice.next('private')).toEqual(expected);
    await chat.settled(carol);
    expect(carol.received('private')).toEqual([]);
  });

  it('answers NO_SUCH_USER for a private message to nobody', async () => {
    const alice = await chat.login('alice');
    alice.send('@nobody hi');
    await alice.error('NO_SUCH_USER');
  });

  it('lists who is online, sorted, with a count', async () => {
    await chat.login('zed');
    await chat.login('Amy');
    const bob = await chat.login('bob');
    await chat.connect(); // a guest is not listed
    bob.send('/ls');
    expect(await bob.next('users')).toEqual({
      type: 'users',
      at: expect.stringMatching(ISO_UTC),
      room: 'lobby',
      users: ['Amy', 'bob', 'zed'],
      count: 3,
    });
  });

  it('answers /help and /whoami, before and after login', async () => {
    const guest = await chat.connect();
    guest.send('/help');
    expect((await guest.next('help')).text).toContain('/nick NAME');
    guest.send('/whoami');
    const before = await guest.next('whoami');
    expect(before.nickname).toBeNull();
    expect(chat.chat.gateway.connectionIds()).toContain(before.connectionId);
    guest.send('/nick erin');
    await guest.next('login');
    guest.send('/whoami');
    expect(await guest.next('whoami')).toMatchObject({ nickname: 'erin', connectionId: before.connectionId });
  });
});

describe('ignore', () => {
  it('stops broadcasts in and out, keeps system events and private messages both ways', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    bob.send('/i');
    expect(await bob.next('ignore')).toMatchObject({ ignoring: true });

    alice.send('not for bob');
    await alice.next('message');
    bob.send('out'); // an ignoring user may not broadcast
    await bob.error('IGNORING');
    alice.send('@bob private still works');
    await bob.next('private');
    await alice.next('private'); // the sender's own copy
    bob.send('@alice and back');
    expect((await alice.next('private')).text).toBe('and back');
    const carol = await chat.login('carol');
    expect((await bob.next('system')).text).toBe('carol joined'); // system events reach ignoring users
    await chat.settled(bob);
    expect(bob.received('message')).toEqual([]);

    bob.send('/i');
    expect(await bob.next('ignore')).toMatchObject({ ignoring: false });
    carol.send('welcome back');
    expect((await bob.next('message')).text).toBe('welcome back');
  });
});

describe('leaving', () => {
  it('announces "left" and frees the name on disconnect', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    await alice.next('system'); // bob joined
    await bob.close();
    expect((await alice.next('system')).text).toBe('bob left');
    await chat.login('bob');
  });
});

describe('errors', () => {
  it('requires login for everything but /nick, /help and /whoami', async () => {
    const guest = await chat.connect();
    for (const text of ['hello', '/ls', '/i', '@bob hi']) {
      guest.send(text);
      await guest.error('NOT_LOGGED_IN');
    }
  });

  it('reports each bad frame with a clear error and keeps serving', async () => {
    const alice = await chat.login('alice');
    const cases: Array<[string, string]> = [
      ['/dance', 'UNKNOWN_COMMAND'],
      ['   ', 'EMPTY_MESSAGE'],
      ['{"action":"message","text":', 'BAD_REQUEST'],
      ['{"action":"message"}', 'BAD_REQUEST'],
      ['{"action":"message","text":7}', 'BAD_REQUEST'],
      ['x'.repeat(4097), 'TOO_LARGE'],
    ];
    for (const [frame, code] of cases) {
      alice.send(frame);
      const error = await alice.error(code);
      expect(error.message.length).toBeGreaterThan(5);
      expect(error.at).toMatch(ISO_UTC);
    }
    alice.send('x'.repeat(4096));
    expect((await alice.next('message')).text).toHaveLength(4096);
  });

  it('uses only documented error codes', () => {
    expect(ERROR_CODES).toEqual(expect.arrayContaining(['NOT_LOGGED_IN', 'NICKNAME_TAKEN', 'INVALID_NICKNAME', 'NO_SUCH_USER', 'IGNORING', 'UNKNOWN_COMMAND', 'EMPTY_MESSAGE', 'BAD_REQUEST', 'TOO_LARGE']));
  });
});

describe('unicode', () => {
  it('chats under nicknames in other scripts, case-insensitively', async () => {
    const yuki = await chat.login('ユキ');
    const dmitri = await chat.login('Дмитрий');
    yuki.send('@дмитрий привет 👋');
    expect(await dmitri.next('private')).toMatchObject({ from: 'ユキ', to: 'Дмитрий', text: 'привет 👋' });
    dmitri.send('/ls');
    // ordered by the case-folded key's bytes, as the index sorts them: Cyrillic before Katakana
    expect((await dmitri.next('users')).users).toEqual(['Дмитрий', 'ユキ']);
  });
});
