// The delivery contract (README, "Delivery: seq, acks, resume"): every event a room keeps is numbered
// 1, 2, 3 …; a message sent with a client id is acknowledged with its seq and never sent twice; a new
// connection resumes its user from the token of the last login, gets back what the room said after
// the seq it saw, and the room hears nothing of the switch within the grace.
import { describe, expect, it } from 'vitest';
import type { RoomEvent, ServerEvent } from '../functions/core/events.ts';
import { useLocalChat } from './support/chat.ts';
import { connectionIdOf, type ChatClient } from './support/client.ts';

const chat = useLocalChat({ env: { RATE_LIMIT_FRAMES: '0' } });

const isRoomEvent = (event: ServerEvent): event is RoomEvent => event.type === 'message' || event.type === 'system';
/** The room events a client has seen live and in history, by seq. */
function seenBySeq(client: ChatClient, room: string): Map<number, RoomEvent> {
  const seen = new Map<number, RoomEvent>();
  for (const event of client.received('history').flatMap((history) => history.messages)) if (event.room === room) seen.set(event.seq, event);
  for (const type of ['message', 'system'] as const) {
    for (const event of client.received(type)) if (isRoomEvent(event) && event.room === room) seen.set(event.seq, event);
  }
  return seen;
}
const lastSeq = (client: ChatClient, room: string): number => Math.max(0, ...seenBySeq(client, room).keys());

describe('sequence numbers', () => {
  it('number what a room keeps, its notices too, by one each; history carries them', async () => {
    const alice = await chat.login('alice');
    alice.send('/join seqroom');
    const joined = await alice.waitFor((e) => e.type === 'system' && e.room === 'seqroom', 'alice joined seqroom');
    alice.send('one');
    const one = await alice.next('message');
    const bob = await chat.login('bob');
    bob.send('/join seqroom');
    const bobJoined = await alice.waitFor((e) => e.type === 'system' && e.room === 'seqroom' && e.text === 'bob joined', 'bob joined');
    expect(isRoomEvent(joined) && isRoomEvent(bobJoined) && [joined.seq, one.seq, bobJoined.seq]).toEqual([1, 2, 3]);
    const history = await bob.waitFor((e): e is Extract<ServerEvent, { type: 'history' }> => e.type === 'history' && e.room === 'seqroom', 'history');
    expect(history.messages.map((kept) => [kept.seq, kept.type, kept.text])).toEqual([
      [1, 'system', 'alice joined'],
      [2, 'message', 'one'],
    ]);
  });

  it('gives N senders at once in one room N distinct consecutive numbers', async () => {
    const senders = await Promise.all(['s1', 's2', 's3', 's4', 's5', 's6'].map((name) => chat.login(name)));
    const watcher = await chat.login('watcher');
    await chat.settled(watcher, ...senders);
    const before = lastSeq(watcher, 'lobby');
    senders.forEach((sender, i) => sender.send(`burst ${i}`));
    const received = await Promise.all(senders.map((_, i) => watcher.waitFor((e) => e.type === 'message' && e.text === `burst ${i}`, `burst ${i}`)));
    const numbers = received.filter(isRoomEvent).map((event) => event.seq).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: senders.length }, (_, i) => before + 1 + i));
  });
});

describe('acknowledged sends', () => {
  it('acknowledge a message with its seq; the same id again is acknowledged the same and not sent twice', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    alice.send(JSON.stringify({ action: 'message', text: 'once', id: 'c-42' }));
    const ack = await alice.next('ack');
    const message = await bob.next('message');
    expect(ack).toEqual({ type: 'ack', at: expect.any(String), id: 'c-42', seq: message.seq });
    alice.send(JSON.stringify({ action: 'message', text: 'once', id: 'c-42' }));
    expect(await alice.next('ack')).toEqual({ ...ack, at: expect.any(String) });
    await chat.settled(alice, bob);
    expect(bob.received('message').filter((m) => m.text === 'once')).toHaveLength(1);
  });

  it('echo the id on an error, and refuse an id that is not a short plain string', async () => {
    const alice = await chat.login('alice');
    alice.send(JSON.stringify({ action: 'message', text: '/nosuch', id: 'c-1' }));
    expect(await alice.error('UNKNOWN_COMMAND')).toMatchObject({ id: 'c-1' });
    for (const id of ['', 'x'.repeat(65), 'a b', 42, 'c#1']) {
      alice.send(JSON.stringify({ action: 'message', text: 'hi', id }));
      expect((await alice.error('BAD_REQUEST')).message).toMatch(/"id"/u);
    }
  });
});

describe('resume', () => {
  it('takes the name over from a connection still open, back in its room and ignore state, with what it missed', async () => {
    const carol = await chat.login('carol');
    carol.send('/join den');
    await carol.next('room');
    const watcher = await chat.login('watcher');
    watcher.send('/join den');
    await watcher.next('room');
    await chat.settled(carol, watcher);
    const seen = lastSeq(carol, 'den');
    watcher.send('while you were away');
    await carol.next('message'); // carol's old socket got it; the new one asks from before it anyway
    const fresh = await chat.connect();
    fresh.send(`/resume ${carol.resumeToken()} ${seen}`);
    const login = await fresh.next('login');
    expect(login.nickname).toBe('carol');
    expect(login.resume).not.toBe(carol.resumeToken()); // rotated
    const replay = await fresh.next('history');
    expect(replay.messages.map((kept) => kept.text)).toEqual(['while you were away']);
    expect(await fresh.next('resumed')).toEqual({ type: 'resumed', at: expect.any(String), nickname: 'carol', room: 'den', replayed: 1, gap: false });
    expect((await carol.whenClosed()).code).toBeGreaterThan(0); // the old connection is closed
    fresh.send('/whoami');
    expect((await fresh.next('whoami')).nickname).toBe('carol');
    watcher.send('/ls');
    expect((await watcher.next('users')).users).toEqual(['carol', 'watcher']);
    await chat.settled(watcher, fresh);
    // The room saw no one leave or come: the same carol, on another socket.
    expect(watcher.received('system').filter((e) => /carol/u.test(e.text)).map((e) => e.text)).toEqual([]);
  });

  it('after the leave was announced (no grace), announces the return', async () => {
    const erin = await chat.login('erin');
    const watcher = await chat.login('watcher');
    const token = erin.resumeToken();
    await erin.close();
    await watcher.waitFor((e) => e.type === 'system' && e.text === 'erin left', 'erin left');
    const fresh = await chat.connect();
    fresh.send(`/resume ${token}`);
    await fresh.next('resumed');
    await watcher.waitFor((e) => e.type === 'system' && e.text === 'erin joined', 'erin joined again');
  });

  it('refuses a bad, used or forged token with RESUME_FAILED and changes nothing', async () => {
    const frank = await chat.login('frank');
    const token = frank.resumeToken();
    const guest = await chat.connect();
    const [keyPart] = token.split('.');
    for (const bad of ['nonsense', `${keyPart}.${'A'.repeat(43)}`, `${Buffer.from('someone').toString('base64url')}.${token.split('.')[1]}`]) {
      guest.send(`/resume ${bad} 3`);
      await guest.error('RESUME_FAILED');
    }
    guest.send('/whoami');
    expect((await guest.next('whoami')).nickname).toBeNull();
    frank.send('/whoami');
    expect((await frank.next('whoami')).nickname).toBe('frank'); // still frank, still connected
    const first = await chat.connect();
    first.send(`/resume ${token}`);
    await first.next('resumed');
    const second = await chat.connect();
    second.send(`/resume ${token}`); // used: rotated by the first
    await second.error('RESUME_FAILED');
  });

  it('two resumes with one token at once: one wins, the other fails', async () => {
    const gina = await chat.login('gina');
    const token = gina.resumeToken();
    const [a, b] = await Promise.all([chat.connect(), chat.connect()]);
    a.send(`/resume ${token}`);
    b.send(`/resume ${token}`);
    const outcome = (client: ChatClient) =>
      client.waitFor((e) => e.type === 'resumed' || (e.type === 'error' && e.code === 'RESUME_FAILED'), 'resumed or failed').then((e) => e.type);
    expect((await Promise.all([outcome(a), outcome(b)])).sort()).toEqual(['error', 'resumed']);
  });

  it('says gap: true when history cannot reach back to the seq given', async () => {
    const hank = await chat.login('hank');
    const fresh = await chat.connect();
    fresh.send(`/resume ${hank.resumeToken()} 999999`); // ahead of the room: its counter started again since
    const resumed = await fresh.next('resumed');
    expect(resumed.gap).toBe(true);
  });

  it('acknowledges an id re-sent from the new connection with the first seq', async () => {
    const ivy = await chat.login('ivy');
    ivy.send(JSON.stringify({ action: 'message', text: 'mine', id: 'ivy-1' }));
    const { seq } = await ivy.next('ack');
    const fresh = await chat.connect();
    fresh.send(`/resume ${ivy.resumeToken()} ${seq}`);
    await fresh.next('resumed');
    fresh.send(JSON.stringify({ action: 'message', text: 'mine', id: 'ivy-1' }));
    expect((await fresh.next('ack')).seq).toBe(seq);
  });
});

describe('chaos: sockets killed at random while everyone chats', () => {
  it('every client ends with every event of its room once, in seq order, and every message once', async () => {
    const names = ['ka', 'kb', 'kc', 'kd'];
    const room = 'chaos';
    /** One person: a socket at a time, resumed after each kill, re-sending what was not acknowledged. */
    const people = await Promise.all(
      names.map(async (name) => {
        const first = await chat.login(name);
        first.send(`/join ${room}`);
        await first.waitFor((e) => e.type === 'system' && e.room === room && e.text === `${name} joined`, 'joined');
        return { name, sockets: [first], token: first.resumeToken(), unacked: new Map<string, string>() };
      }),
    );
    let killed = 0;
    for (let round = 0; round < 6; round += 1) {
      for (const person of people) {
        const socket = person.sockets[person.sockets.length - 1] as ChatClient;
        const id = `${person.name}-${round}`;
        person.unacked.set(id, `${person.name} says ${round}`);
        socket.send(JSON.stringify({ action: 'message', text: `${person.name} says ${round}`, id }));
      }
      // Kill one at random, each way in turn: client-side terminate, the gateway dropping it, DELETE @connections.
      const victim = people[Math.floor(Math.random() * people.length)] as (typeof people)[number];
      const socket = victim.sockets[victim.sockets.length - 1] as ChatClient;
      const way = killed % 3;
      const connectionId = await connectionIdOf(socket).catch(() => null);
      if (way === 0) socket.socket.terminate();
      else if (way === 1 && connectionId) chat.chat.gateway.dropConnection(connectionId);
      else if (connectionId) await fetch(`${chat.chat.callbackUrl}/@connections/${encodeURIComponent(connectionId)}`, { method: 'DELETE' });
      killed += 1;
      await socket.whenClosed().catch(() => undefined);
      const seen = seenFromAll(victim.sockets, room);
      const fresh = await chat.connect();
      victim.sockets.push(fresh);
      fresh.send(`/resume ${victim.token} ${contiguous(seen)}`);
      const login = await fresh.next('login');
      victim.token = login.resume;
      await fresh.next('resumed');
      for (const [id, text] of victim.unacked) fresh.send(JSON.stringify({ action: 'message', text, id }));
    }
    // Every message acknowledged (on some socket of its sender), and the ids dropped from the to-do list.
    for (const person of people) {
      for (const id of [...person.unacked.keys()]) {
        const acked = () => person.sockets.some((socket) => socket.received('ack').some((ack) => ack.id === id));
        while (!acked()) await (person.sockets[person.sockets.length - 1] as ChatClient).next('ack');
        person.unacked.delete(id);
      }
    }
    const sockets = people.map((person) => person.sockets[person.sockets.length - 1] as ChatClient);
    await chat.settled(...sockets);
    const stored = await chat.store().historyAfter(room, 0, 1000);
    for (const person of people) {
      const seen = seenFromAll(person.sockets, room);
      const mine = [...seen.values()].filter((event) => event.seq > (firstSeq(person.sockets[0] as ChatClient, room) ?? 0));
      const expected = stored.filter((event) => event.seq > (firstSeq(person.sockets[0] as ChatClient, room) ?? 0));
      expect(mine.map((event) => event.seq), person.name).toEqual(expected.map((event) => event.seq)); // each once, in order
    }
    // Each message once in the room, whatever was re-sent.
    const texts = stored.filter((event) => event.type === 'message').map((event) => event.text);
    expect(new Set(texts).size).toBe(texts.length);
    expect(texts).toHaveLength(names.length * 6);
    expect(stored.map((event) => event.seq)).toEqual(stored.map((_, i) => (stored[0]?.seq ?? 1) + i)); // no number skipped
  }, 120_000);
});

/** Everything a person's sockets have seen of `room`, by seq (each seq once: a map). */
function seenFromAll(sockets: readonly ChatClient[], room: string): Map<number, RoomEvent> {
  const all = new Map<number, RoomEvent>();
  for (const socket of sockets) for (const [seq, event] of seenBySeq(socket, room)) all.set(seq, event);
  return new Map([...all.entries()].sort(([a], [b]) => a - b));
}

/** The seq of the person's own first join: where their view of the room starts. */
function firstSeq(first: ChatClient, room: string): number | undefined {
  return [...seenBySeq(first, room).keys()].sort((a, b) => a - b)[0];
}

/** The highest seq up to which every number since the first has been seen. */
function contiguous(seen: Map<number, RoomEvent>): number {
  const numbers = [...seen.keys()].sort((a, b) => a - b);
  let last = numbers[0] ?? 0;
  for (const seq of numbers.slice(1)) {
    if (seq !== last + 1) break;
    last = seq;
  }
  return last;
}
