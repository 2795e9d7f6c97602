// `/rooms` must cost the same whatever the number of rooms ever named: one client can name rooms at a
// few per second, and a Query per room made `/rooms` (and the scheduled push) grow without bound.
import { describe, expect, it } from 'vitest';
import { createChat } from '../functions/chat.ts';
import { ROOMS_LISTED } from '../functions/core/events.ts';
import { createFanout } from '../functions/fanout.ts';
import { createStore } from '../functions/store.ts';
import type { WebSocketEvent } from '../functions/websocket-event.ts';
import { localDynamoClient } from '../local/dynamodb.ts';
import { useLocalChat } from './support/chat.ts';
import type { ChatClient } from './support/client.ts';

const SILENT_LOG = { debug() {}, info() {}, warn() {}, error() {} };
const harness = useLocalChat({ env: { RATE_LIMIT_FRAMES: '0' } });

async function connectionIdOf(client: ChatClient): Promise<string> {
  client.send('/whoami');
  return (await client.next('whoami')).connectionId;
}

/** The chat's message handler over a store whose requests the test counts. */
function countedChat() {
  const store = createStore(localDynamoClient(harness.chat.dynamodbEndpoint), { tableName: harness.chat.tableName });
  const fanout = createFanout({ endpoint: harness.chat.callbackUrl, concurrency: 8, log: SILENT_LOG });
  const chat = createChat({ store, fanoutFor: () => fanout, log: SILENT_LOG, rateLimit: { frames: 0, windowMs: 1000 } });
  let frame = 0;
  /** DynamoDB requests one frame of this connection cost. */
  const requestsFor = async (connectionId: string, body: string): Promise<number> => {
    frame += 1;
    const event: WebSocketEvent = {
      requestContext: {
        routeKey: '$default',
        eventType: 'MESSAGE',
        connectionId,
        connectedAt: Date.now(),
        requestId: `rooms-${frame}`,
        messageId: `rooms-${frame}`,
        requestTimeEpoch: Date.now(),
        domainName: 'local',
        stage: 'local',
        apiId: 'local',
      },
      body,
      isBase64Encoded: false,
    };
    const before = store.metrics.requests;
    await chat.message(event);
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
