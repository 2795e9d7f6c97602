// `/rooms` must cost the same whatever the number of rooms ever named: one client can name rooms at a
// few per second, and a Query per room made `/rooms` (and the scheduled push) grow without bound.
import { describe, expect, it } from 'vitest';
import { ROOMS_LISTED } from '../functions/core/events.ts';
import { useLocalChat } from './support/chat.ts';
import { connectionIdOf } from './support/client.ts';
import { directChat, messageEvent } from './support/lambda.ts';

const harness = useLocalChat({ env: { RATE_LIMIT_FRAMES: '0' } });

/** The chat's message handler over a store whose requests the test counts. */
function countedChat() {
  const store = harness.store();
  const chat = directChat({ store, callbackUrl: harness.chat.callbackUrl });
  /** DynamoDB requests one frame of this connection cost. */
  const requestsFor = async (connectionId: string, body: string): Promise<number> => {
    const before = store.metrics.requests;
    await chat.message(messageEvent(connectionId, body));
    return store.metrics.requests - before;
  };
  return { store, requestsFor };
}

describe('/rooms at any number of rooms', () => {
  it('costs the same requests after a client has named 150 rooms, and lists none of the empty ones', async () => {
    const { requestsFor } = countedChat();
    const roamer = await harness.login('roamer');
    const id = await connectionIdOf(roamer);
    await requestsFor(id, '/rooms'); // the first frame of this store also learns the rate window
    await roamer.next('rooms');
    const baseline = await requestsFor(id, '/rooms');
    const first = await roamer.next('rooms');
    for (let n = 0; n < 150; n += 1) {
      roamer.send(`/join wander${n}`);
      await roamer.waitFor((event) => event.type === 'room' && event.room === `wander${n}`, `room wander${n}`);
    }
    roamer.send('/leave');
    await roamer.waitFor((event) => event.type === 'room' && event.room === 'lobby', 'back in the lobby');
    expect(await requestsFor(id, '/rooms')).toBe(baseline);
    const listed = await roamer.next('rooms');
    expect(listed.rooms).toEqual(first.rooms);
    expect(listed.rooms.some((counted) => counted.room.startsWith('wander'))).toBe(false);
    expect(baseline).toBeLessThanOrEqual(4); // the sender's frame count, two Queries, the lobby's counter
  });

  it(`lists the lobby and the busiest rooms, at most ${ROOMS_LISTED}, with the total count`, async () => {
    const { store, requestsFor } = countedChat();
    const asker = await harness.login('asker');
    const id = await connectionIdOf(asker);
    // 70 occupied rooms of 1 to 7 members, and one of 9 (counted straight into the store: no sockets needed).
    const rooms = Array.from({ length: 70 }, (_, n) => `busy${String(n).padStart(2, '0')}`);
    const members = (n: number) => (n === 69 ? 9 : (n % 7) + 1);
    const everyone = rooms.flatMap((room, n) => Array.from({ length: members(n) }, () => room));
    await Promise.all(everyone.map((room) => store.enterRoom(room)));
    try {
      const requests = await requestsFor(id, '/rooms');
      const listed = await asker.next('rooms');
      expect(listed.rooms).toHaveLength(ROOMS_LISTED);
      expect(listed.rooms[0]).toEqual({ room: 'lobby', count: 1 });
      expect(listed.rooms[1]).toEqual({ room: 'busy69', count: 9 });
      const counts = listed.rooms.slice(1).map((counted) => counted.count);
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
      expect(listed.count).toBe(71); // 70 busy rooms and the lobby
      // The frame count (two on this store's first frame: no rate-window hint yet), two Queries, the lobby's counter.
      expect(requests).toBeLessThanOrEqual(5);
    } finally {
      await Promise.all(everyone.map((room) => store.leaveRoom(room)));
    }
    asker.send('/rooms');
    expect((await asker.next('rooms')).rooms).toEqual([{ room: 'lobby', count: 1 }]);
  });
});
