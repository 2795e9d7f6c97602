// Rooms, history and server pushes end to end: real ws clients → local gateway → handlers → dynalite.
import { describe, expect, it } from 'vitest';
import type { ServerEvent } from '../functions/core/events.ts';
import { handler as scheduledAnnounce } from '../functions/handlers/scheduled-announce.ts';
import { useLocalChat } from './support/chat.ts';
import type { ChatClient } from './support/client.ts';
import { runTs } from './support/processes.ts';

// Many frames from one client in these tests: the rate limit has its own tests.
const chat = useLocalChat({ env: { RATE_LIMIT_FRAMES: '0' } });

/** The messages of the next history event of `room` (logging in also replays the lobby's). */
const historyOf = async (client: ChatClient, room: string) =>
  (await client.waitFor((e): e is Extract<ServerEvent, { type: 'history' }> => e.type === 'history' && e.room === room, `history of ${room}`))
    .messages;

describe('rooms', () => {
  it('starts everyone in lobby and scopes broadcasts, announcements and /ls to the room', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const carol = await chat.login('carol');
    alice.send('/join Games');
    expect(await alice.next('room')).toMatchObject({ room: 'games' });
    expect(await bob.waitFor((e) => e.type === 'system' && e.text === 'alice left', 'alice left')).toMatchObject({ room: 'lobby' });
    expect(await alice.waitFor((e) => e.type === 'system' && e.text === 'alice joined', 'alice joined')).toMatchObject({ room: 'games' });
    bob.send('/join games');
    await bob.next('room');
    await alice.waitFor((e) => e.type === 'system' && e.text === 'bob joined', 'bob joined in games');

    alice.send('hi games');
    expect(await bob.next('message')).toMatchObject({ room: 'games', from: 'alice', text: 'hi games' });
    carol.send('hi lobby');
    expect(await carol.next('message')).toMatchObject({ room: 'lobby', text: 'hi lobby' });
    alice.send('/who');
    expect(await alice.next('users')).toMatchObject({ room: 'games', users: ['alice', 'bob'], count: 2 });
    carol.send('/ls');
    expect(await carol.next('users')).toMatchObject({ room: 'lobby', users: ['carol'], count: 1 });
    // Nothing from the lobby reached the games room, nor the other way round (once every handler is done).
    await chat.settled(alice, carol);
    expect(alice.received('message').map((e) => e.text)).toEqual(['hi games']);
    expect(carol.received('message').map((e) => e.text)).toEqual(['hi lobby']);
    expect(carol.received('system').map((e) => e.text)).not.toContain('bob joined');
  });

  it('keeps private messages and nicknames global', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    alice.send('/join attic');
    await alice.next('room');
    bob.send('@alice across rooms');
    expect(await alice.next('private')).toMatchObject({ from: 'bob', text: 'across rooms' });
    const other = await chat.connect();
    other.send('/nick ALICE');
    await other.error('NICKNAME_TAKEN');
  });

  it('lists rooms with member counts, lobby always, empty rooms never', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const carol = await chat.login('carol');
    for (const [client, room] of [[alice, 'red'], [bob, 'red'], [carol, 'blue']] as const) {
      client.send(`/join ${room}`);
      await client.next('room');
    }
    carol.send('/leave');
    expect(await carol.next('room')).toMatchObject({ room: 'lobby' });
    carol.send('/rooms');
    const listed = await carol.next('rooms');
    expect(listed.rooms).toEqual([
      { room: 'lobby', count: 1 },
      { room: 'red', count: 2 },
    ]);
    expect(listed.count).toBe(2);
  });

  it('announces a rename and a disconnect only in the room the user is in', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const lobbyist = await chat.login('lobbyist');
    for (const client of [alice, bob]) {
      client.send('/join den');
      await client.next('room');
    }
    alice.send('/nick al');
    expect(await bob.waitFor((e) => e.type === 'system' && e.text === 'alice is now al', 'rename')).toMatchObject({ room: 'den' });
    await alice.close();
    expect(await bob.waitFor((e) => e.type === 'system' && e.text === 'al left', 'leave')).toMatchObject({ room: 'den' });
    await chat.settled(lobbyist);
    const lobbyNews = lobbyist.received('system').map((e) => e.text);
    expect(lobbyNews).not.toContain('alice is now al');
    expect(lobbyNews).not.toContain('al left');
  });

  it('validates room names like nicknames, and joining the room you are in changes nothing', async () => {
    const alice = await chat.login('alice');
    for (const bad of ['/join', '/join two words', '/join #hash', `/join ${'r'.repeat(25)}`]) {
      alice.send(bad);
      await alice.error('INVALID_ROOM');
    }
    alice.send('/join lobby');
    expect(await alice.next('room')).toMatchObject({ room: 'lobby' });
    await chat.settled(alice);
    expect(alice.received('system').map((e) => e.text)).toEqual(['alice joined']);
    const guest = await chat.connect();
    guest.send('/join games');
    await guest.error('NOT_LOGGED_IN');
  });
});

describe('history', () => {
  it('sends a room its recent messages on joining, oldest first, and on /history N', async () => {
    const alice = await chat.login('alice');
    alice.send('/join books');
    await alice.next('room');
    for (const text of ['one', 'two', 'three']) {
      alice.send(text);
      await alice.waitFor((e) => e.type === 'message' && e.text === text, text);
    }
    const bob = await chat.login('bob');
    bob.send('/join books');
    await bob.next('room');
    const replay = await historyOf(bob, 'books'); // one event for all four
    expect(replay.map((e) => [e.seq, e.type, e.room, e.type === 'message' ? e.from : null, e.text])).toEqual([
      [1, 'system', 'books', null, 'alice joined'], // what the room saw is kept, its notices too
      [2, 'message', 'books', 'alice', 'one'],
      [3, 'message', 'books', 'alice', 'two'],
      [4, 'message', 'books', 'alice', 'three'],
    ]);
    expect(replay[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    bob.send('/history 2');
    expect((await historyOf(bob, 'books')).map((e) => e.text)).toEqual(['three', 'bob joined']);
  });

  it('keeps at most 50 per room, and each room its own', async () => {
    const alice = await chat.login('alice');
    alice.send('/join busy');
    await alice.next('room');
    // One at a time: like API Gateway, the local gateway runs a connection's frames concurrently.
    for (let n = 1; n <= 55; n += 1) {
      alice.send(`m${n}`);
      await alice.waitFor((e) => e.type === 'message' && e.text === `m${n}`, `m${n}`);
    }
    alice.send('/history 50');
    const kept = (await historyOf(alice, 'busy')).map((e) => e.text); // 50 short messages: one event
    expect(kept).toHaveLength(50);
    expect(kept[0]).toBe('m6');
    expect(kept[49]).toBe('m55');
    alice.send('/history 51');
    await alice.error('BAD_REQUEST');
    alice.send('/leave');
    await alice.next('room');
    alice.send('/history');
    // An explicit /history always answers, so its reply is the proof that it has been served.
    expect((await historyOf(alice, 'lobby')).some((e) => /^m\d+$/u.test(e.text))).toBe(false);
    const rooms = new Set(alice.received('history').map((e) => e.room));
    expect([...rooms].sort()).toEqual(['busy', 'lobby']);
    for (const event of alice.received('history')) expect(event.messages.every((message) => message.room === event.room)).toBe(true);
  });

  it('hides history from an ignoring user', async () => {
    const alice = await chat.login('alice');
    alice.send('/join quiet');
    await alice.next('room');
    alice.send('psst');
    await alice.next('message');
    const bob = await chat.login('bob');
    bob.send('/i');
    await bob.next('ignore');
    bob.send('/join quiet');
    await bob.next('room');
    bob.send('/history');
    await bob.error('IGNORING');
    await chat.settled(bob);
    expect(bob.received('history').filter((e) => e.room === 'quiet')).toEqual([]);
  });
});

describe('server pushes', () => {
  it('npm run announce pushes to one room or to every room, with no client connection', async () => {
    const lobbyist = await chat.login('lobbyist');
    const gamer = await chat.login('gamer');
    gamer.send('/join arcade');
    await gamer.next('room');
    const announce = (...args: string[]) => runTs('local/announce.ts', args, { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' });
    const common = ['--table', chat.chat.tableName, '--callback-url', chat.chat.callbackUrl, '--dynamodb-endpoint', chat.chat.dynamodbEndpoint];

    const toArcade = await announce('arcade closes soon', '--room', 'Arcade', ...common);
    expect(toArcade.stdout).toContain('announced to arcade');
    expect(await gamer.waitFor((e) => e.type === 'system' && e.text === 'arcade closes soon', 'push')).toMatchObject({ room: 'arcade' });

    await announce('server restarts at noon', ...common);
    for (const client of [lobbyist, gamer]) {
      await client.waitFor((e) => e.type === 'system' && e.text === 'server restarts at noon', 'push to all');
    }
    expect(lobbyist.received('system').map((e) => e.text)).not.toContain('arcade closes soon');
  });

  it('the scheduled push tells every room how many are online', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    bob.send('/join cellar');
    await bob.next('room');
    const result = await scheduledAnnounce();
    expect(result).toEqual({ rooms: ['cellar', 'lobby'], online: 2 });
    for (const client of [alice, bob]) {
      await client.waitFor((e) => e.type === 'system' && e.text === '2 users online', 'the online count');
    }
  });
});
