// No reply may silently exceed API Gateway's 128 KB message limit: `/ls` of a crowded room of long
// names is bounded (and says how many there are), and a post refused with 413 reaches the asker as an
// error (test/chat-too-large.test.ts), never as nothing.
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_BYTES, USERS_LISTED } from '../functions/core/events.ts';
import { useLocalChat } from './support/chat.ts';

const chat = useLocalChat({ env: { RATE_LIMIT_FRAMES: '0' } });

/** 24 characters of four UTF-8 bytes each but the last two: the longest names in bytes, all distinct. */
const longName = (n: number) => `${String.fromCodePoint(0x20000 + n).repeat(22)}${String(n % 100).padStart(2, '0')}`;

describe('/ls in a crowded room', () => {
  it(`lists the first ${USERS_LISTED} names and the room's count, in one event under 128 KB`, async () => {
    const crowd = 1500;
    const store = chat.store();
    const limit = pLimit(32);
    // Members without sockets, written straight through the store: /ls posts only to the asker.
    await Promise.all(
      Array.from({ length: crowd }, (_, n) =>
        limit(async () => {
          const id = `crowd${n}=`;
          await store.createConnection(id, Date.now());
          await store.setNickname(id, longName(n), `k${String(n).padStart(4, '0')}`, 'crowd', 1, { session: 'test-session' });
          await store.enterRoom('crowd');
        }),
      ),
    );
    expect(Buffer.byteLength(JSON.stringify(Array.from({ length: crowd }, (_, n) => longName(n))))).toBeGreaterThan(MAX_EVENT_BYTES);
    const asker = await chat.login('asker');
    asker.send('/join crowd');
    await asker.next('room');
    asker.send('/ls');
    const users = await asker.next('users');
    expect(users.users).toHaveLength(USERS_LISTED);
    expect(users.count).toBe(crowd + 1);
    expect(Buffer.byteLength(JSON.stringify(users))).toBeLessThanOrEqual(MAX_EVENT_BYTES);
  }, 120_000); // 4,500 writes to seat the crowd: a hang guard, several times the idle run
});
