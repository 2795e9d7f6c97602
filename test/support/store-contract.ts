// The store's behaviour against a real DynamoDB emulator, written once and run against each emulator
// (store.test.ts: dynalite; store-dynamodb-local.test.ts: AWS's DynamoDB Local), so a difference
// between them shows up as a failing test on one side.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatStore } from '../../functions/store.ts';
import type { RoomEvent } from '../../functions/core/events.ts';
import { outcomeOf } from './outcomes.ts';
import type { TestTable } from './table.ts';

/** Where the emulators knowingly differ (found by these tests; AWS behaves as DynamoDB Local does). */
export interface EmulatorTraits {
  /** Refuses an empty or over-1,024-byte index sort key, as AWS does; dynalite stores it. */
  enforcesIndexKeyLimits: boolean;
}

export function defineStoreTests(startTable: () => Promise<TestTable>, traits: EmulatorTraits): void {
  let table: TestTable;
  let store: ChatStore;
  let next = 0;
  const newId = () => `conn${(next += 1)}=`;

  beforeAll(async () => {
    table = await startTable();
    store = table.store();
  });
  afterAll(() => table?.close());

  async function member(nickname: string, room = 'lobby') {
    const id = newId();
    await store.createConnection(id, Date.now());
    expect((await store.claimNickname(nickname.toLowerCase(), nickname, id, Date.now(), 1)).claimed).toBe(true);
    await store.setNickname(id, nickname, nickname.toLowerCase(), room, 1, { session: 'test-session' });
    return id;
  }

  async function allMembers(room: string) {
    const all = [];
    for await (const page of store.members(room)) all.push(...page);
    return all;
  }

  describe('connections', () => {
    it('creates idempotently: a repeated $connect does not wipe a login', async () => {
      const id = await member('Repeat');
      await store.createConnection(id, Date.now());
      expect((await store.getConnection(id))?.nickname).toBe('Repeat');
    });

    it('sets a TTL of about 2 h 10 min after connecting', async () => {
      const id = newId();
      const connectedAt = Date.now();
      await store.createConnection(id, connectedAt);
      const record = await store.getConnection(id);
      expect(record?.expiresAt).toBe(Math.floor(connectedAt / 1000) + 7800);
    });

    it('deletes conditionally on age, returning the old item once', async () => {
      const id = newId();
      const connectedAt = Date.now();
      await store.createConnection(id, connectedAt);
      expect(await store.deleteConnection(id, connectedAt - 1000)).toBeNull(); // too young
      expect((await store.deleteConnection(id, connectedAt + 1))?.connectionId).toBe(id);
      expect(await store.deleteConnection(id)).toBeNull(); // already gone
    });

    it('refuses to set a nickname on a connection that is gone', async () => {
      expect(await store.setNickname('never-connected=', 'ghost', 'ghost', 'lobby', 1, { session: 'test-session' })).toEqual({ status: 'missing' });
    });

    it('flips ignoring and reports the stored value', async () => {
      const id = await member('Flipper');
      expect(await store.setIgnoring(id, false)).toBe(true);
      expect(await store.setIgnoring(id, false)).toBe(true); // stale "from": reports what is stored
      expect(await store.setIgnoring(id, true)).toBe(false);
    });
  });

  describe('nickname owners', () => {
    const inSeconds = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;
    const binding = (sub: string, expiresAt = inSeconds(3600)) => ({ sub, nickname: `Name-${sub}`, now: Date.now(), expiresAt });

    it('binds a key to the first account, refreshes it for that one, and refuses another, writing nothing', async () => {
      const key = `owned-${newId()}`;
      expect(await store.getNicknameOwner(key)).toBeNull();
      const first = binding('u-1');
      expect(await store.bindNickname(key, first)).toBe(true);
      expect(await store.getNicknameOwner(key)).toEqual({ key, sub: 'u-1', nickname: first.nickname, boundAt: first.now, expiresAt: first.expiresAt });
      expect(await store.bindNickname(key, binding('u-2'))).toBe(false);
      expect(await store.getNicknameOwner(key)).toMatchObject({ sub: 'u-1', nickname: first.nickname, expiresAt: first.expiresAt });
      const refreshed = { ...binding('u-1', inSeconds(7200)), nickname: 'NAME-u-1' };
      expect(await store.bindNickname(key, refreshed)).toBe(true);
      expect(await store.getNicknameOwner(key)).toMatchObject({ sub: 'u-1', nickname: 'NAME-u-1', expiresAt: refreshed.expiresAt });
    });

    it('counts an expired binding (not yet deleted by TTL) as none: another account takes the key', async () => {
      const key = `lapsed-${newId()}`;
      expect(await store.bindNickname(key, binding('u-1', inSeconds(-60)))).toBe(true);
      expect(await store.bindNickname(key, binding('u-2'))).toBe(true);
      expect((await store.getNicknameOwner(key))?.sub).toBe('u-2');
      expect(await store.bindNickname(key, binding('u-1'))).toBe(false);
    });

    it('lets exactly one of many accounts binding one key at once have it', async () => {
      const key = `contested-${newId()}`;
      const subs = Array.from({ length: 12 }, (_, i) => `u-${i}`);
      const bound = await Promise.all(subs.map((sub) => store.bindNickname(key, binding(sub))));
      const winners = subs.filter((_, i) => bound[i]);
      expect(winners).toHaveLength(1);
      expect((await store.getNicknameOwner(key))?.sub).toBe(winners[0]);
    });
  });

  describe('nickname claims', () => {
    it('lets exactly one of many concurrent claimants win', async () => {
      const ids = Array.from({ length: 25 }, newId);
      await Promise.all(ids.map((id) => store.createConnection(id, Date.now())));
      const results = await Promise.all(ids.map((id) => store.claimNickname('racer', 'racer', id, Date.now(), 1)));
      const winners = results.filter((result) => result.claimed);
      expect(winners).toHaveLength(1);
      const holder = (await store.getClaim('racer'))?.connectionId;
      expect(ids[results.findIndex((result) => result.claimed)]).toBe(holder);
      for (const result of results) if (!result.claimed) expect(result.holder?.connectionId).toBe(holder);
    });

    it('lets the holder claim again (idempotent) and release only its own claim', async () => {
      const [a, b] = [newId(), newId()];
      expect((await store.claimNickname('mine', 'mine', a, Date.now(), 1)).claimed).toBe(true);
      expect((await store.claimNickname('mine', 'Mine', a, Date.now(), 2)).claimed).toBe(true);
      await store.releaseClaim('mine', b);
      expect((await store.getClaim('mine'))?.connectionId).toBe(a);
      await store.releaseClaim('mine', a);
      expect(await store.getClaim('mine')).toBeNull();
    });

    it('takes over a claim only while it is exactly as it was read', async () => {
      const [a, b, c] = [newId(), newId(), newId()];
      await store.claimNickname('swap', 'swap', a, Date.now(), 1);
      const seen = await store.getClaim('swap');
      expect(seen).not.toBeNull();
      if (!seen) return;
      const [first, second] = await Promise.all([
        store.takeOverClaim(seen, 'swap', b, Date.now(), 1),
        store.takeOverClaim(seen, 'swap', c, Date.now(), 1),
      ]);
      expect([first, second].filter(Boolean)).toHaveLength(1);
    });
  });

  describe('members index', () => {
    it('lists only logged-in connections of the room, sorted by nickname key', async () => {
      const guest = newId();
      await store.createConnection(guest, Date.now());
      await member('zed', 'sorted');
      await member('Amy', 'sorted');
      await member('bob', 'sorted');
      await member('other', 'elsewhere');
      const names = (await allMembers('sorted')).map((m) => m.nickname);
      expect(names).toEqual(['Amy', 'bob', 'zed']);
      expect((await allMembers('sorted')).some((m) => m.connectionId === guest)).toBe(false);
    });

    it('reads every page of a room that spans several Query pages', async () => {
      const ids = await Promise.all(Array.from({ length: 230 }, (_, i) => member(`p${String(i).padStart(4, '0')}`, 'big')));
      const paged = table.store({ membersPageSize: 50 });
      const pageSizes: number[] = [];
      const listed = [];
      for await (const page of paged.members('big')) {
        pageSizes.push(page.length);
        listed.push(...page);
      }
      expect(pageSizes.slice(0, 4)).toEqual([50, 50, 50, 50]);
      expect(pageSizes.length).toBeGreaterThanOrEqual(5);
      expect(listed).toHaveLength(ids.length);
      expect(new Set(listed.map((m) => m.connectionId))).toEqual(new Set(ids));
      expect(paged.metrics.requests).toBe(pageSizes.length);
    });

    it("reads a broadcast's recipients as members without names: a short first page, each next one 4× the one before", async () => {
      const ids = await Promise.all(Array.from({ length: 130 }, (_, i) => member(`r${String(i).padStart(4, '0')}`, 'heard')));
      const text = newId();
      await store.createConnection(text, Date.now(), 'text');
      await store.claimNickname('heardtext', 'heardtext', text, Date.now(), 1);
      await store.setNickname(text, 'heardtext', 'heardtext', 'heard', 1, { session: 'test-session', ignoring: true });
      const reader = table.store();
      const pageSizes: number[] = [];
      const heard = [];
      for await (const page of reader.recipients('heard', 5)) {
        pageSizes.push(page.length);
        heard.push(...page);
      }
      expect(pageSizes).toEqual([5, 20, 80, 26]);
      expect(reader.metrics.requests).toBe(4);
      expect(new Set(heard.map((r) => r.connectionId))).toEqual(new Set([...ids, text]));
      expect(heard.find((r) => r.connectionId === text)).toEqual({ connectionId: text, ignoring: true, format: 'text' });
      expect(heard.every((r) => !('nickname' in r))).toBe(true);
      const whole = [];
      for await (const page of reader.recipients('heard')) whole.push(page.length);
      expect(whole).toEqual([131]);
    });

    it('drops a member from the index when its connection is deleted', async () => {
      const id = await member('Leaver', 'clearing');
      await store.deleteConnection(id);
      expect(await allMembers('clearing')).toEqual([]);
    });
  });

  describe('what the emulators might disagree on', () => {
    it('sorts index keys by their UTF-8 bytes, as DynamoDB does (not by UTF-16 units)', async () => {
      // U+FF5A is 0xEF… in UTF-8 but 0xFF5A in UTF-16; U+1D49C is 0xF0… in UTF-8 but 0xD835… in UTF-16.
      const wide = newId();
      const astral = newId();
      for (const [id, key] of [[astral, 'a\u{1d49c}'], [wide, 'a\uff5a']] as const) {
        await store.createConnection(id, Date.now());
        await store.setNickname(id, key, key, 'bytes', 1, { session: 'test-session' });
      }
      expect((await allMembers('bytes')).map((m) => m.connectionId)).toEqual([wide, astral]);
    });

    it('keeps keys shaped like the other item kind apart (CONN# and NICK# prefixes)', async () => {
      const id = 'NICK#shadow';
      await store.createConnection(id, Date.now());
      expect((await store.claimNickname('shadow', 'shadow', 'other=', Date.now(), 1)).claimed).toBe(true);
      expect((await store.claimNickname(`CONN#${id}`, 'x', 'other=', Date.now(), 2)).claimed).toBe(true);
      expect((await store.getConnection(id))?.connectionId).toBe(id);
      expect((await store.getClaim('shadow'))?.connectionId).toBe('other=');
      expect(await store.deleteConnection(id)).not.toBeNull();
      expect(await store.getClaim(`CONN#${id}`)).not.toBeNull();
    });

    it('counts frames per rate window (opened by its first frame) and recognises a repeated message id', async () => {
      const id = newId();
      expect((await store.countFrame(id, 'm0', 1000, 1000)).status).toBe('missing');
      await store.createConnection(id, Date.now());
      const counts = [];
      for (const messageId of ['m1', 'm2', 'm3']) {
        const counted = await store.countFrame(id, messageId, 1000 + counts.length * 300, 1000);
        counts.push(counted.status === 'counted' ? counted.framesInWindow : counted.status);
      }
      expect(counts).toEqual([1, 2, 3]);
      expect((await store.countFrame(id, 'm3', 1900, 1000)).status).toBe('duplicate');
      // The window opened at 1000 by m1 ends at 2000, whatever the wall clock's slots.
      const nextWindow = await store.countFrame(id, 'm4', 2000, 1000);
      expect(nextWindow.status === 'counted' && nextWindow.framesInWindow).toBe(1);
    });

    it('keeps room events newest last, limited, in seq order, a retried write once', async () => {
      const start = Date.now() - 60_000; // recent: entries older than the history TTL are not served
      const at = (second: number) => new Date(start + second * 1000).toISOString();
      const message = (seq: number, from: string, text: string): RoomEvent => ({ type: 'message', seq, at: at(seq), room: 'hist', from, text });
      await store.addRoomEvent(message(1, 'a', 'one'));
      await store.addRoomEvent(message(2, 'b', 'two \u{1f600}'.repeat(1000)));
      await store.addRoomEvent({ type: 'system', seq: 3, at: at(3), room: 'hist', text: 'c joined' });
      await store.addRoomEvent(message(4, 'c', 'three'));
      await store.addRoomEvent(message(4, 'c', 'three')); // a retried write
      const lastTwo = await store.history('hist', 2);
      expect(lastTwo).toEqual([{ type: 'system', seq: 3, at: at(3), room: 'hist', text: 'c joined' }, message(4, 'c', 'three')]);
      expect((await store.history('hist', 50)).map((event) => event.seq)).toEqual([1, 2, 3, 4]);
      expect((await store.history('hist', 50))[1]).toEqual(message(2, 'b', 'two \u{1f600}'.repeat(1000)));
      expect((await store.historyAfter('hist', 2, 50)).map((event) => event.seq)).toEqual([3, 4]);
      expect((await store.historyAfter('hist', 0, 2)).map((event) => event.seq)).toEqual([3, 4]); // the newest of what is after
      const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString();
      await store.addRoomEvent({ type: 'message', seq: 1, at: twoDaysAgo, room: 'stale', from: 'a', text: 'old news' });
      expect(await store.history('stale', 50)).toEqual([]); // TTL deletion lags; past its time it is not history
    });

    it('numbers room events 1, 2, 3 per room, concurrent callers each their own number', async () => {
      const room = `seq-${newId()}`;
      expect(await store.latestSeq(room)).toBe(0);
      const numbers = await Promise.all(Array.from({ length: 20 }, () => store.nextSeq(room)));
      expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await store.nextSeq(`other-${room}`)).toBe(1);
      expect(await store.latestSeq(room)).toBe(20);
    });

    it('claims a client id once: a second claim finds it pending, then stored with its seq and room', async () => {
      const sender = `sender-${newId()}`;
      expect(await store.claimSentMessage(sender, 'c-1', 'frame-1', 60_000)).toEqual({ status: 'claimed' });
      expect(await store.claimSentMessage(sender, 'c-1', 'frame-2', 60_000)).toEqual({ status: 'pending' });
      const event = { type: 'message', seq: 7, at: new Date().toISOString(), room: 'acked', from: 'Ann', text: 'hi' } as const;
      await store.storeSentMessage(sender, 'c-1', event);
      expect(await store.claimSentMessage(sender, 'c-1', 'frame-3', 60_000)).toEqual({ status: 'stored', seq: 7, room: 'acked' });
      expect(await store.history('acked', 5)).toEqual([event]);
      // Another sender's id of the same spelling is its own.
      expect(await store.claimSentMessage(`${sender}-2`, 'c-1', 'frame-4', 60_000)).toEqual({ status: 'claimed' });
      // An unnumbered claim older than the settle time is an orphan: taken over.
      expect(await store.claimSentMessage(`${sender}-2`, 'c-1', 'frame-5', -1)).toEqual({ status: 'claimed' });
    });

    it('rotates a resume token once, and agrees with a deferred leave on who told the room', async () => {
      const key = `resumer-${newId()}`;
      const now = Date.now();
      const expiresAt = Math.floor(now / 1000) + 600;
      const issued = { nickname: 'Res', tokenHash: 'h1', connectionId: 'c1', loginSeq: 1, room: 'lobby', ignoring: false, expiresAt, session: 's1', sub: null };
      expect(await store.issueResume(key, issued)).toBe(true);
      expect(await store.issueResume(key, { ...issued, tokenHash: 'older' })).toBe(false); // not a newer login of c1
      await store.updateResumePlace(key, 'c1', { room: 'den', ignoring: true });
      expect(await store.markAway(key, 'c1', { at: now, room: 'den', ignoring: true, leftAnnounced: false })).toBe(true);
      const rotation = { connectionId: 'c2', loginSeq: 1, expiresAt, now, resumedFrom: 'c1', sub: null };
      const [first, second] = await Promise.all([
        store.rotateResume(key, 'h1', { ...rotation, tokenHash: 'h2' }),
        store.rotateResume(key, 'h1', { ...rotation, tokenHash: 'h3' }),
      ]);
      expect([first, second].filter((won) => won !== null)).toHaveLength(1); // one token, one resume
      expect((first ?? second)?.room).toBe('den');
      expect((first ?? second)?.awayFrom).toBe('c1');
      expect(await store.claimLeftAnnouncement(key, 'c1')).toBe(false); // resumed from c1: the room hears nothing
      expect(await store.rotateResume(key, 'h1', { ...rotation, tokenHash: 'h4' })).toBeNull(); // used up
      expect(await store.markAway(key, 'c1', { at: now, room: 'den', ignoring: true, leftAnnounced: false })).toBe(false);
      expect(await store.markAway(key, 'c2', { at: now, room: 'den', ignoring: true, leftAnnounced: false })).toBe(true);
      expect(await store.claimLeftAnnouncement(key, 'c2')).toBe(true);
      expect(await store.claimLeftAnnouncement(key, 'c2')).toBe(false); // once
      await store.dropResume(key, 'c1'); // not its owner: kept
      expect(await store.getResume(key)).not.toBeNull();
    });

    it('keeps the account of a resume record through a resume, and drops it for a connection with none', async () => {
      const key = `owned-resume-${newId()}`;
      const now = Date.now();
      const expiresAt = Math.floor(now / 1000) + 600;
      const issued = { nickname: 'Own', tokenHash: 'h1', connectionId: 'c1', loginSeq: 1, room: 'lobby', ignoring: false, expiresAt, session: 's1', sub: 'u-1' };
      expect(await store.issueResume(key, issued)).toBe(true);
      expect((await store.getResume(key))?.sub).toBe('u-1');
      const rotation = { connectionId: 'c2', loginSeq: 1, expiresAt, now, resumedFrom: 'c1' };
      expect((await store.rotateResume(key, 'h1', { ...rotation, tokenHash: 'h2', sub: 'u-1' }))?.sub).toBe('u-1'); // as it was
      expect((await store.getResume(key))?.sub).toBe('u-1');
      await store.rotateResume(key, 'h2', { ...rotation, connectionId: 'c3', tokenHash: 'h3', sub: null });
      expect((await store.getResume(key))?.sub).toBeNull();
    });

    it('moves members between rooms', async () => {
      const id = await member('Mover', 'room-a');
      expect((await store.moveToRoom(id, 'room-b'))?.room).toBe('room-a');
      expect(await store.moveToRoom(newId(), 'room-b')).toBeNull(); // not logged in
    });

    it('counts rooms by joins and leaves: busiest first, emptied rooms gone, the total beside them', async () => {
      const rooms = ['count-a', 'count-b', 'count-c'];
      const enter = (room: string, times: number) => Promise.all(Array.from({ length: times }, () => store.enterRoom(room)));
      await Promise.all([enter('count-a', 3), enter('count-b', 5), enter('count-c', 1)]);
      const listed = () => store.busiestRooms(50).then((listing) => listing.rooms.filter((counted) => rooms.includes(counted.room)));
      expect(await listed()).toEqual([
        { room: 'count-b', count: 5 },
        { room: 'count-a', count: 3 },
        { room: 'count-c', count: 1 },
      ]);
      // Each member leaves after it entered (as a connection's moves are ordered); different members at once.
      await Promise.all([store.leaveRoom('count-c'), store.leaveRoom('count-a')]);
      await store.enterRoom('count-c');
      await store.leaveRoom('count-c');
      expect(await listed()).toEqual([
        { room: 'count-b', count: 5 },
        { room: 'count-a', count: 2 },
      ]);
      expect(await store.roomCount('count-c')).toBe(0);
      const before = (await store.busiestRooms(1)).total;
      await store.enterRoom('count-d');
      const after = await store.busiestRooms(1);
      expect(after.rooms).toHaveLength(1);
      expect(after.total).toBe(before + 1);
      expect(after.complete).toBe(true);
      await store.leaveRoom('count-d');
      expect((await store.busiestRooms(1)).total).toBe(before);
    });

    it(`${traits.enforcesIndexKeyLimits ? 'refuses' : 'accepts (unlike AWS)'} an index sort key that is empty or over 1,024 bytes`, async () => {
      const id = newId();
      await store.createConnection(id, Date.now());
      const outcomes = await Promise.all(
        ['', 'k'.repeat(1025)].map((key, login) =>
          outcomeOf(store.setNickname(id, 'x', key, 'limits', login + 1, { session: 'test-session' }), 'stored'),
        ),
      );
      const refused = traits.enforcesIndexKeyLimits ? 'ValidationException' : 'stored';
      expect(outcomes).toEqual([refused, refused]);
      await store.deleteConnection(id);
    });

    it('reads a missing item as null and fails a condition on it quietly', async () => {
      const ghost = newId();
      expect(await store.getConnection(ghost)).toBeNull();
      expect(await store.deleteConnection(ghost, Date.now())).toBeNull();
      expect(await store.setIgnoring(ghost, false)).toBe(false);
      expect(await store.moveToRoom(ghost, 'nowhere')).toBeNull();
      expect(await store.setNickname(ghost, 'nobody', 'nobody', 'lobby', 1, { session: 'test-session' })).toEqual({ status: 'missing' });
      await store.releaseClaim('nobody', ghost);
    });
  });
}
