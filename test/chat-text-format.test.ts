// `?format=text`: every server frame as the lines a person reads in wscat, `[12:29:36] alice: hi bob`;
// JSON stays the default, and each connection gets its own format from the same broadcast.
import { afterEach, describe, expect, it } from 'vitest';
import { HELP_TEXT, type RoomEvent, type ServerEvent } from '../functions/core/events.ts';
import { parseFrame } from '../functions/core/frame.ts';
import { formatText } from '../functions/core/text-format.ts';
import { useLocalChat } from './support/chat.ts';
import { HandshakeRefused, TextClient } from './support/client.ts';

const chat = useLocalChat({ env: { RATE_LIMIT_FRAMES: '0' } });
const AT = '2026-12-01T12:29:36.123Z';
const TIME = /^\[\d\d:\d\d:\d\d\] /u;

describe('formatText', () => {
  it.each<[ServerEvent, string]>([
    [{ type: 'message', seq: 1, at: AT, room: 'lobby', from: 'alice', text: 'hi bob' }, '[12:29:36] alice: hi bob'],
    [{ type: 'system', seq: 2, at: AT, room: 'lobby', text: 'bob joined' }, '[12:29:36] * bob joined'],
    [{ type: 'private', at: AT, from: 'bob', to: 'alice', text: 'psst' }, '[12:29:36] (private) bob → alice: psst'],
    [{ type: 'error', at: AT, code: 'NICKNAME_TAKEN', message: 'The nickname "bob" is taken.' }, '[12:29:36] ! NICKNAME_TAKEN: The nickname "bob" is taken.'],
    [{ type: 'login', at: AT, nickname: 'alice', resume: 'token' }, '[12:29:36] * you are alice'],
    [{ type: 'room', at: AT, room: 'games' }, '[12:29:36] * you are in #games'],
    [{ type: 'users', at: AT, room: 'lobby', users: ['alice', 'bob'], count: 5 }, '[12:29:36] * 5 in #lobby: alice, bob, and 3 more'],
    [{ type: 'ignore', at: AT, ignoring: false }, '[12:29:36] * no longer ignoring broadcasts'],
    [{ type: 'whoami', at: AT, nickname: null, connectionId: 'abc=' }, '[12:29:36] * you are not logged in (connection abc=)'],
    [{ type: 'ack', at: AT, id: 'c-42', seq: 7 }, '[12:29:36] * sent (c-42, #7)'],
    [{ type: 'resumed', at: AT, nickname: 'alice', room: 'den', replayed: 0, gap: false }, '[12:29:36] * welcome back, alice: you are in #den'],
    [
      { type: 'resumed', at: AT, nickname: 'alice', room: 'den', replayed: 2, gap: true },
      '[12:29:36] * welcome back, alice: you are in #den; 2 missed shown above; some of what was said meanwhile is no longer kept',
    ],
  ])('%j', (event, line) => {
    expect(formatText(event)).toBe(line);
  });

  it('gives /help, /rooms and history real lines', () => {
    expect(formatText({ type: 'help', at: AT, text: HELP_TEXT }).split('\n')).toEqual(HELP_TEXT.split('\n'));
    expect(formatText({ type: 'rooms', at: AT, rooms: [{ room: 'lobby', count: 2 }, { room: 'games', count: 1 }], count: 2 })).toBe(
      '[12:29:36] * 2 rooms with anyone in them:\n  #lobby (2)\n  #games (1)',
    );
    const messages: RoomEvent[] = [
      { type: 'message', seq: 1, at: '2026-12-01T09:00:01.000Z', room: 'games', from: 'bob', text: 'gg' },
      { type: 'system', seq: 2, at: '2026-12-01T09:00:02.000Z', room: 'games', text: 'bob left' },
    ];
    expect(formatText({ type: 'history', at: AT, room: 'games', messages })).toBe('[12:29:36] * earlier in #games:\n[09:00:01] bob: gg\n[09:00:02] * bob left');
  });

  it('never lets text print a line of its own or reorder what the terminal shows', () => {
    const spoof = 'hi\n[12:29:37] * admin is now root\r\u202egnp.exe';
    const line = formatText({ type: 'message', seq: 1, at: AT, room: 'lobby', from: 'mallory', text: spoof });
    expect(line).toBe('[12:29:36] mallory: hi\\u{000a}[12:29:37] * admin is now root\\u{000d}\\u{202e}gnp.exe');
    expect(line.split('\n')).toHaveLength(1);
  });
});

describe('// escapes a leading slash', () => {
  it('says "/shrug" for //shrug', () => {
    expect(parseFrame('//shrug')).toEqual({ ok: true, command: { kind: 'broadcast', text: '/shrug' }, clientId: null });
  });
});

describe('a text connection, end to end', () => {
  const opened: TextClient[] = [];
  // Closed before the harness checks that every connection has gone.
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((client) => client.close()));
  });

  async function textUser(nickname: string): Promise<TextClient> {
    const client = await TextClient.open(chat.chat.url, { query: { format: 'text' } });
    opened.push(client);
    client.send(`/nick ${nickname}`);
    expect(await client.nextMessage()).toMatch(new RegExp(`${TIME.source}\\* you are ${nickname}$`, 'u'));
    return client;
  }

  it('reads every event as lines while a JSON user in the same room gets JSON', async () => {
    const alice = await textUser('alice');
    await alice.nextMessage(); // her own "alice joined"
    const bob = await chat.login('bob');
    expect(await alice.nextMessage()).toMatch(/^\[\d\d:\d\d:\d\d\] \* bob joined$/u);
    bob.send('hi alice');
    expect(await alice.nextMessage()).toMatch(/^\[\d\d:\d\d:\d\d\] bob: hi alice$/u);
    expect(await bob.next('message')).toMatchObject({ from: 'bob', text: 'hi alice' });
    alice.send('@bob psst');
    expect(await alice.nextMessage()).toMatch(/^\[\d\d:\d\d:\d\d\] \(private\) alice → bob: psst$/u);
    expect(await bob.next('private')).toMatchObject({ from: 'alice', to: 'bob', text: 'psst' });
    alice.send('//shrug');
    expect(await alice.nextMessage()).toMatch(/^\[\d\d:\d\d:\d\d\] alice: \/shrug$/u);
    expect(await bob.next('message')).toMatchObject({ text: '/shrug' });
    alice.send('/nick bob');
    expect(await alice.nextMessage()).toMatch(/^\[\d\d:\d\d:\d\d\] ! NICKNAME_TAKEN: The nickname "bob" is taken\.$/u);
    alice.send('/help');
    expect((await alice.nextMessage()).split('\n')).toEqual(HELP_TEXT.split('\n'));
    alice.send('/ls');
    expect(await alice.nextMessage()).toMatch(/^\[\d\d:\d\d:\d\d\] \* 2 in #lobby: alice, bob$/u);
  });

  it('refuses a format it does not know, before writing anything', async () => {
    await expect(TextClient.open(chat.chat.url, { query: { format: 'xml' } })).rejects.toEqual(new HandshakeRefused(400));
  });
});
