// The store against a real emulator (dynalite): conditional writes, claims, the sparse index.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTable, type TestTable } from './support/table.ts';
import type { ChatStore } from '../functions/store.ts';

let table: TestTable;
let store: ChatStore;
let next = 0;
const newId = () => `conn${(next += 1)}=`;

beforeAll(async () => {
  table = await startTestTable();
  store = table.store();
});
afterAll(() => table.close());

async function member(nickname: string, room = 'lobby') {
  const id = newId();
  await store.createConnection(id, Date.now());
  expect((await store.claimNickname(nickname.toLowerCase(), nickname, id, Date.now())).claimed).toBe(true);
  await store.setNickname(id, nickname, nickname.toLowerCase(), room);
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
    expect(await store.setNickname('never-connected=', 'ghost', 'ghost', 'lobby')).toBeNull();
  });

  it('flips ignoring and reports the stored value', async () => {
    const id = await member('Flipper');
    expect(await store.setIgnoring(id, false)).toBe(true);
    expect(await store.setIgnoring(id, false)).toBe(true); // stale "from": reports what is stored
    expect(await store.setIgnoring(id, true)).toBe(false);
  });
});

describe('nickname claims', () => {
  it('lets exactly one of many concurrent claimants win', async () => {
    const ids = Array.from({ length: 25 }, newId);
    await Promise.all(ids.map((id) => store.createConnection(id, Date.now())));
    const results = await Promise.all(ids.map((id) => store.claimNickname('racer', 'racer', id, Date.now())));
    const winners = results.filter((result) => result.claimed);
    expect(winners).toHaveLength(1);
    const holder = (await store.getClaim('racer'))?.connectionId;
    expect(ids[results.findIndex((result) => result.claimed)]).toBe(holder);
    for (const result of results) if (!result.claimed) expect(result.holder?.connectionId).toBe(holder);
  });

  it('lets the holder claim again (idempotent) and release only its own claim', async () => {
    const [a, b] = [newId(), newId()];
    expect((await store.claimNickname('mine', 'mine', a, Date.now())).claimed).toBe(true);
    expect((await store.claimNickname('mine', 'Mine', a, Date.now())).claimed).toBe(true);
    await store.releaseClaim('mine', b);
    expect((await store.getClaim('mine'))?.connectionId).toBe(a);
    await store.releaseClaim('mine', a);
    expect(await store.getClaim('mine')).toBeNull();
  });

  it('takes over a claim only while it is exactly as it was read', async () => {
    const [a, b, c] = [newId(), newId(), newId()];
    await store.claimNickname('swap', 'swap', a, Date.now());
    const seen = await store.getClaim('swap');
    expect(seen).not.toBeNull();
    if (!seen) return;
    const [first, second] = await Promise.all([
      store.takeOverClaim(seen, 'swap', b, Date.now()),
      store.takeOverClaim(seen, 'swap', c, Date.now()),
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

  it('drops a member from the index when its nickname is cleared', async () => {
    const id = await member('Leaver', 'clearing');
    await store.clearNickname(id, 'leaver');
    expect(await allMembers('clearing')).toEqual([]);
  });
});
