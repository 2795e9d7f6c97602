// A bounded soak on loopback: SOAK_CLIENTS clients (default 200; SOAK_CLIENTS=1000 for the full run)
// arrive over SOAK_SECONDS (default 10), at most SOAK_CONCURRENCY at once; each logs in, joins one of
// SOAK_ROOMS rooms, chats there in public and in private, and leaves at random, beside a core user per
// room present throughout. Then: no connection or claim item left in the table, no socket left open, and
// every message delivered to exactly its intended recipients (counted). Rooms keep each fan-out small,
// as in a real deployment. One process plays gateway, Lambda, DynamoDB and every client, so the run
// is CPU-bound (about 0.1 s of CPU per client here); the figures go to the console. Its random choices
// come from a seed, printed first: SOAK_SEED=<that seed> replays a failed run's choices.
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServerEvent } from '../functions/core/events.ts';
import { ChatClient } from './support/client.ts';
import { useLocalChat } from './support/chat.ts';
import { sessionKeys } from './support/table.ts';
import { sleep, waitUntil } from './support/wait.ts';

const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 200);
const SECONDS = Number(process.env.SOAK_SECONDS ?? 10);
const SEED = Number(process.env.SOAK_SEED ?? Date.now() % 1_000_000);
/** Rooms, each with one core user present throughout: every broadcast in a room must reach its core user once. */
const ROOMS = Number(process.env.SOAK_ROOMS ?? 32);
/** Churning clients connected at once at most: a closed loop, so a slow machine stretches the run instead of drowning. */
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 48);

// Rate limiting is not under test here; a soak client may send a burst.
// SOAK_LOG=file keeps the gateway's one line per event (route, connection, status, duration) for a look afterwards.
const logLines: string[] = [];
const chat = useLocalChat({ env: { RATE_LIMIT_FRAMES: '1000000' }, log: process.env.SOAK_LOG ? (line) => logLines.push(line) : false });
afterAll(() => {
  if (process.env.SOAK_LOG) writeFileSync(process.env.SOAK_LOG, logLines.join('\n'));
});

/** mulberry32: a small seeded generator, so a failing run can be replayed with SOAK_SEED. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Who received which chat text (broadcast or private), and how often. */
function deliveries(clients: Map<string, ChatClient>): Map<string, Map<string, number>> {
  const byText = new Map<string, Map<string, number>>();
  for (const [name, client] of clients) {
    for (const event of client.events) {
      if (event.type !== 'message' && event.type !== 'private') continue;
      const receivers = byText.get(event.text) ?? new Map<string, number>();
      receivers.set(name, (receivers.get(name) ?? 0) + 1);
      byText.set(event.text, receivers);
    }
  }
  return byText;
}

interface Sent {
  kind: 'broadcast' | 'private';
  text: string;
  sender: string;
  room: string;
  to?: string;
  /** The sender waited and its own copy came back. */
  echoed: boolean;
  /** The sender waited and got this error instead. */
  refused: string | null;
}

describe('soak', () => {
  it(
    `${CLIENTS} clients churning through ${ROOMS} rooms for ${SECONDS} s leave nothing behind and get exactly their messages`,
    async () => {
      // First, so that a failing run can be replayed whatever fails and wherever it stops.
      console.log(`soak: SOAK_SEED=${SEED} (set it to replay this run's choices)`);
      const random = seededRandom(SEED);
      const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
      const url = chat.chat.url;
      const started = Date.now();
      const cpuAtStart = process.cpuUsage();
      let peakRss = process.memoryUsage().rss;
      let peakConnections = 0;
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        peakConnections = Math.max(peakConnections, chat.chat.gateway.connectionIds().length);
      }, 100);

      // The core: one user per room, there before the churn starts and until it has settled, never ignoring.
      const rooms = Array.from({ length: ROOMS }, (_, r) => `soak${r}`);
      const coreOf = new Map<string, string>(rooms.map((room, r) => [room, `core${r}`]));
      const core = new Map<string, ChatClient>();
      await Promise.all(
        rooms.map(async (room) => {
          const name = coreOf.get(room) as string;
          const client = await chat.login(name);
          client.send(`/join ${room}`);
          await client.next('room', 60_000);
          core.set(name, client);
        }),
      );
      const coreNames = [...core.keys()];
      const roomOf = new Map<string, string>(rooms.map((room) => [coreOf.get(room) as string, room]));
      const everyone = new Map<string, ChatClient>(core);
      const sent: Sent[] = [];
      const unexpectedErrors: Array<{ name: string; event: ServerEvent }> = [];
      let logins = 0;

      async function churn(index: number, delayMs: number): Promise<void> {
        await sleep(delayMs); // load shaping (this client's arrival time), never a wait for something to happen
        const name = `c${index}`;
        const loginAtConnect = random() < 0.3;
        const guest = !loginAtConnect && random() < 0.15;
        const client = await ChatClient.connect(url, loginAtConnect ? { nickname: name } : {});
        everyone.set(name, client);
        try {
          if (guest) {
            client.send(pick(['/help', '/whoami', '/ls', '/join soak0', 'hello?']));
            if (random() < 0.5) await client.waitFor(() => true, 'an answer', 60_000);
            return;
          }
          if (!loginAtConnect) {
            client.send(`/nick ${name}`);
            await client.next('login', 60_000);
          }
          logins += 1;
          const room = pick(rooms);
          client.send(`/join ${room}`);
          await client.next('room', 60_000);
          roomOf.set(name, room);
          const ignoring = random() < 0.1;
          if (ignoring) {
            client.send('/i');
            await client.next('ignore', 60_000);
          }
          const mine: Sent[] = [];
          const actions = Math.floor(random() * 3);
          for (let i = 0; i < actions; i += 1) {
            const roll = random();
            if (roll < 0.5) {
              const text = `b|${name}|${i}`;
              client.send(text);
              mine.push({ kind: 'broadcast', text, sender: name, room, echoed: false, refused: null });
            } else {
              // To a core user (always there, maybe in another room) or to a churner (maybe gone, or never there).
              const to = roll < 0.8 ? pick(coreNames) : `c${Math.floor(random() * CLIENTS)}`;
              const text = `p|${name}|${i}`;
              client.send(`@${to} ${text}`);
              mine.push({ kind: 'private', text, sender: name, room, to, echoed: false, refused: null });
            }
          }
          sent.push(...mine);
          // Half wait for the outcome of everything they sent; the others leave at once (races on purpose).
          if (random() < 0.5) {
            for (const message of mine) {
              // Handlers run concurrently, so outcomes come back in any order: match each by its content.
              const outcome = await client.waitFor(
                (event) =>
                  ((event.type === 'message' || event.type === 'private') && event.text === message.text) ||
                  (event.type === 'error' && message.kind === 'broadcast' && event.code === 'IGNORING') ||
                  (event.type === 'error' && event.code === 'NO_SUCH_USER' && event.message.includes(`"${message.to}"`)),
                `the outcome of ${message.text}`,
                60_000,
              );
              if (outcome.type === 'error') message.refused = outcome.code;
              else message.echoed = true;
            }
          }
          await sleep(random() * 300); // a random dwell before leaving: load shaping too
        } finally {
          await client.close();
          const allowed = guest ? ['NOT_LOGGED_IN'] : ['IGNORING', 'NO_SUCH_USER'];
          for (const event of client.events) {
            if (event.type === 'error' && !allowed.includes(event.code)) unexpectedErrors.push({ name, event });
          }
        }
      }

      // Arrivals are paced evenly over SOAK_SECONDS, with at most CONCURRENCY churners in flight.
      let nextClient = 0;
      const arrivalGapMs = (SECONDS * 1000) / CLIENTS;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (nextClient < CLIENTS) {
            const index = nextClient++;
            await churn(index, Math.max(0, started + index * arrivalGapMs - Date.now()));
          }
        }),
      );
      const churnedMs = Date.now() - started;

      // Everyone but the core has gone (at the gateway), and then no handler is left running — each
      // churner's $disconnect and every fan-out included — and each core user's ping is back: everything
      // posted to the core has arrived, so what the checks below count is final.
      await waitUntil(() => chat.chat.gateway.connectionIds().length === ROOMS, 60_000);
      await chat.chat.gateway.whenIdle();
      await Promise.all([...core.values()].map((client) => client.roundTrip(60_000)));
      const broadcastsSeen = () => {
        const texts = new Set<string>();
        for (const client of everyone.values()) for (const e of client.events) if (e.type === 'message') texts.add(e.text);
        return texts;
      };
      const sentBy = new Map(sent.map((message) => [message.text, message]));

      const delivered = deliveries(everyone);

      // Broadcasts: each one anyone got reached its room's core user exactly once, and only members of
      // that room, each at most once, all stamped with that room.
      const broadcasts = [...broadcastsSeen()];
      for (const text of broadcasts) {
        const message = sentBy.get(text);
        expect(message?.kind).toBe('broadcast');
        if (!message) continue;
        const receivers = delivered.get(text) ?? new Map<string, number>();
        const coreUser = coreOf.get(message.room) as string;
        expect({ text, coreUser, times: receivers.get(coreUser) ?? 0 }).toEqual({ text, coreUser, times: 1 });
        for (const [name, times] of receivers) {
          expect({ text, name, times, room: roomOf.get(name) }).toEqual({ text, name, times: 1, room: message.room });
        }
        for (const client of everyone.values()) {
          for (const e of client.events) if (e.type === 'message' && e.text === text) expect(e.room).toBe(message.room);
        }
      }
      // A broadcast refused (IGNORING) reached nobody; one whose sender saw it come back reached the core.
      for (const message of sent.filter((m) => m.kind === 'broadcast')) {
        if (message.refused) expect(delivered.has(message.text)).toBe(false);
        if (message.echoed) expect(broadcasts).toContain(message.text);
      }
      // Privates: only target and sender, at most once each; one the sender saw reached a core target once.
      let privatesDelivered = 0;
      const privates = sent.filter((m) => m.kind === 'private');
      for (const message of privates) {
        const receivers = delivered.get(message.text) ?? new Map<string, number>();
        for (const [name, times] of receivers) expect({ text: message.text, name, times }).toEqual({ text: message.text, name: name === message.sender ? message.sender : message.to, times: 1 });
        if (message.refused) expect(receivers.size).toBe(0);
        if (message.echoed && message.to?.startsWith('core')) expect(receivers.get(message.to)).toBe(1);
        if (message.to && receivers.has(message.to)) privatesDelivered += 1;
      }
      // Nothing arrived that nobody sent, and nothing went wrong on the way.
      for (const text of delivered.keys()) expect(sentBy.has(text)).toBe(true);
      expect(unexpectedErrors).toEqual([]);

      // Nothing left behind: close the core too, then no socket and no connection or claim item remains.
      await Promise.all([...core.values()].map((client) => client.close()));
      await waitUntil(() => chat.chat.gateway.connectionIds().length === 0, 30_000);
      await chat.chat.gateway.whenIdle(); // every $disconnect has finished: the table is as it will stay
      expect(await sessionKeys(chat.chat.dynamodbEndpoint, chat.chat.tableName)).toEqual([]);
      clearInterval(sampler);

      const cpu = process.cpuUsage(cpuAtStart);
      const totalEvents = [...everyone.values()].reduce((sum, client) => sum + client.events.length, 0);
      const broadcastDeliveries = broadcasts.reduce((sum, text) => sum + [...(delivered.get(text)?.values() ?? [])].reduce((a, b) => a + b, 0), 0);
      console.log(
        [
          `soak (SOAK_SEED=${SEED}): ${CLIENTS} churning clients (at most ${CONCURRENCY} at once) + ${ROOMS} core, ${logins} churner logins, peak ${peakConnections} connections`,
          `  ${broadcasts.length} broadcasts accepted, delivered ${broadcastDeliveries} times; ${privates.length} privates sent, ${privatesDelivered} reached their target`,
          `  ${totalEvents} events delivered in all; arrivals over ${SECONDS} s, churn done at ${(churnedMs / 1000).toFixed(1)} s, all checks at ${((Date.now() - started) / 1000).toFixed(1)} s`,
          `  CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MB (gateway, handlers, dynalite and every client in one process)`,
        ].join('\n'),
      );
    },
    (SECONDS + CLIENTS * 0.3 + 60) * 1000,
  );
});
