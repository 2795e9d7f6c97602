// What the naive pattern's Scan costs against our members-index Query as the table fills with what a
// live chat keeps beside one room's members: other rooms' connections and nickname claims, and history.
// The table is seeded through the chat's own store (the items it really writes, at their real sizes),
// step after step, and after each step both reads are made once for the same room with the capacity
// DynamoDB's rules give them (dynalite: item sizes summed per page, 4 KB per unit, half for an eventually
// consistent read). The fan-out runs cannot show this: their table holds the room's members only.
import pLimit from 'p-limit';
import { LOBBY } from '../../functions/core/room.ts';
import { createStore, type ChatStore } from '../../functions/store.ts';
import { ensureTable, localStoreDynamoDb } from '../../local/dynamodb.ts';
import { localDynamoClient } from '../../local/dynamodb-sdk.ts';
import { scanWholeTable } from '../fanout/naive-handler.ts';
import { difference, startMeteredDynamo, type MeteredDynamo } from '../support/dynamo-meter.ts';

export interface ReadCost {
  requests: number;
  readUnits: number;
}

export interface ScanCapacityStep {
  /** What this step added to the table. */
  added: string;
  /** Items in the table after it. */
  items: number;
  historyItems: number;
  otherRoomMembers: number;
  /** The naive pattern's read: Scan every page of the table. */
  scan: ReadCost;
  /** Ours: Query the room's partition of the members index. */
  query: ReadCost & { members: number };
}

export interface ScanCapacityFigures {
  roomMembers: number;
  steps: ScanCapacityStep[];
}

const TABLE_NAME = 'wschat-bench-scan';
const OTHER_ROOMS = 4;
const WRITES_IN_FLIGHT = 32;
/** A chat line of a typical length (history items carry the text). */
const LINE = 'sounds good, see you at the standup tomorrow, I will bring the notes';

/** A connection id shaped like API Gateway's (12 characters ending in `=`). */
const connectionId = (room: string, index: number) => `${room.slice(0, 2)}${index.toString(36).padStart(9, '0')}=`;

export async function measureScanCapacity(roomMembers: number, onStep: (step: string) => void = () => {}): Promise<ScanCapacityFigures> {
  const dynamo = await startMeteredDynamo();
  const dynamodb = localDynamoClient(dynamo.endpoint);
  const storeDb = localStoreDynamoDb(dynamo.endpoint);
  try {
    await ensureTable(dynamo.endpoint, TABLE_NAME);
    const store = createStore(storeDb, { tableName: TABLE_NAME, measureCapacity: true });
    const limit = pLimit(WRITES_IN_FLIGHT);
    let historyItems = 0;
    let otherRoomMembers = 0;
    let order = 0;

    const addMembers = (room: string, count: number) =>
      Promise.all(
        Array.from({ length: count }, (_, index) =>
          limit(async () => {
            const id = connectionId(room, index);
            const nickname = `${room}${index}`; // already case-folded: the nickname is its own key
            await store.createConnection(id, Date.now());
            await store.claimNickname(nickname, nickname, id, Date.now(), 1);
            await store.setNickname(id, nickname, nickname, room, 1, { session: 'test-session' });
          }),
        ),
      );
    const addHistory = (rooms: readonly string[], perRoom: number) =>
      Promise.all(
        rooms.flatMap((room) =>
          Array.from({ length: perRoom }, (_, index) =>
            limit(() => {
              // A kept room event as the chat writes it: numbered in its room, after the counter gave the number.
              const seq = (order += 1);
              const at = new Date(Date.now() - index * 1000).toISOString();
              return store.addRoomEvent({ type: 'message', seq, at, room, from: `${room}${index % 50}`, text: `${LINE} ${index}` });
            }),
          ),
        ),
      );
    const others = Array.from({ length: OTHER_ROOMS }, (_, index) => `room${index + 1}`);
    const n = roomMembers.toLocaleString('en-US');
    const plan: { added: string; seed: () => Promise<unknown> }[] = [
      { added: `the room: ${n} members (a connection and a nickname claim each)`, seed: () => addMembers(LOBBY, roomMembers) },
      { added: `${n} history lines in the room`, seed: async () => ((historyItems += roomMembers), addHistory([LOBBY], roomMembers)) },
      {
        added: `${OTHER_ROOMS} other rooms of ${n} members`,
        seed: async () => {
          otherRoomMembers += OTHER_ROOMS * roomMembers;
          for (const room of others) await addMembers(room, roomMembers);
        },
      },
      {
        added: `${(2 * roomMembers).toLocaleString('en-US')} history lines in each of the ${OTHER_ROOMS + 1} rooms`,
        seed: async () => ((historyItems += (OTHER_ROOMS + 1) * 2 * roomMembers), addHistory([LOBBY, ...others], 2 * roomMembers)),
      },
    ];

    const steps: ScanCapacityStep[] = [];
    for (const { added, seed } of plan) {
      onStep(`seeding ${added}`);
      await seed();
      onStep('reading');
      const scanned = await cost(dynamo, () => scanWholeTable(dynamodb, TABLE_NAME));
      const queried = await cost(dynamo, () => countMembers(store));
      steps.push({
        added,
        items: scanned.value.length,
        historyItems,
        otherRoomMembers,
        scan: scanned.cost,
        query: { ...queried.cost, members: queried.value },
      });
    }
    return { roomMembers, steps };
  } finally {
    dynamodb.destroy();
    storeDb.destroy();
    await dynamo.close();
  }
}

async function countMembers(store: ChatStore): Promise<number> {
  let members = 0;
  for await (const page of store.members(LOBBY)) members += page.length;
  return members;
}

/** The requests and read units `read` caused, from the emulator's meter. */
async function cost<T>(dynamo: MeteredDynamo, read: () => Promise<T>): Promise<{ value: T; cost: ReadCost }> {
  const before = await dynamo.read();
  const value = await read();
  const used = difference(await dynamo.read(), before);
  const readUnits = Object.values(used.capacityByOperation).reduce((sum, units) => sum + units, 0);
  return { value, cost: { requests: used.requests, readUnits } };
}
