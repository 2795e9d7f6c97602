// A client that never reads must not make handlers run long: history goes out in as few posts as fit
// under API Gateway's 128 KB, and an invocation starts no retry it could not finish before its timeout.
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_BYTES, type ServerEvent } from '../functions/core/events.ts';
import { MAX_TEXT_LENGTH } from '../functions/core/frame.ts';
import { createFanout } from '../functions/fanout.ts';
import { useLocalChat } from './support/chat.ts';
import { connectionIdOf, type ChatClient } from './support/client.ts';
import { waitUntil } from './support/wait.ts';

type HistoryEvent = Extract<ServerEvent, { type: 'history' }>;

/** Connections whose every POST @connections answers 429 (a client side buffer that stays full). */
const neverReads = new Set<string>();
// Under 3.5 s of invocation time there is no room for any retry: a throttled post fails at once.
const chat = useLocalChat({
  env: { RATE_LIMIT_FRAMES: '0' },
  limits: { handlerTimeoutMs: 3000 },
  faults: { post: (connectionId) => (neverReads.has(connectionId) ? 'throttled' : undefined) },
});

/** Fills the room with 50 messages of the longest text allowed, each confirmed by its echo. */
async function fillHistory(writer: ChatClient, room: string): Promise<string[]> {
  writer.send(`/join ${room}`);
  await writer.next('room');
  const texts = Array.from({ length: 50 }, (_, n) => `${String(n).padStart(2, '0')}${'x'.repeat(MAX_TEXT_LENGTH - 2)}`);
  for (const text of texts) {
    writer.send(text);
    await writer.waitFor((event) => event.type === 'message' && event.text === text, 'the echo');
  }
  return texts;
}

const fanout = () => chat.fanoutMetrics();

describe('history to one client', () => {
  it('/history 50 of 4 KB messages arrives in as few events as fit under 128 KB, not 50 posts', async () => {
    const writer = await chat.login('writer');
    const texts = await fillHistory(writer, 'long');
    const reader = await chat.login('reader');
    reader.send('/join long');
    await reader.next('room');
    const ofLong = (event: ServerEvent): event is HistoryEvent => event.type === 'history' && event.room === 'long';
    await reader.waitFor(ofLong, 'the 20 shown on entering');
    // Its join announcement is posted after that: wait until both have it, so no post is still to come.
    const joined = (event: ServerEvent) => event.type === 'system' && event.room === 'long' && event.text === 'reader joined';
    await Promise.all([reader.waitFor(joined, 'reader joined'), writer.waitFor(joined, 'reader joined')]);
    const before = fanout().posts;
    reader.send('/history 50');
    const events: HistoryEvent[] = [];
    while (events.flatMap((event) => event.messages).length < 50) events.push(await reader.waitFor(ofLong, 'history of long'));
    // The newest 50 events the room kept: its notice of the reader's join, and the 49 messages before it.
    expect(events.flatMap((event) => event.messages.map((message) => message.text))).toEqual([...texts.slice(1), 'reader joined']);
    expect(events).toHaveLength(2); // 50 × 4 KB = 200 KB: two events
    for (const event of events) expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    expect(fanout().posts - before).toBe(events.length);
  });
});

describe('an invocation deadline', () => {
  it('drops the retries to a client that never reads instead of running into the Lambda timeout', async () => {
    const writer = await chat.login('writer');
    await fillHistory(writer, 'stuck');
    const reader = await chat.login('reader');
    reader.send('/join stuck');
    await reader.next('room');
    neverReads.add(await connectionIdOf(reader));
    const before = { ...fanout() };
    reader.send('/history 50');
    await waitUntil(() => fanout().pastDeadline - before.pastDeadline >= 2); // both history events refused
    await chat.chat.gateway.whenIdle(); // and the /history handler returned
    const after = fanout();
    expect(after.retried - before.retried).toBe(0);
    expect(after.pastDeadline - before.pastDeadline).toBeGreaterThanOrEqual(2);
    neverReads.clear();
    reader.send('/whoami');
    expect((await reader.next('whoami')).nickname).toBe('reader'); // it reads again, and is served again
  });

  it('is logged once per invocation, however many posts it drops', async () => {
    const reader = await chat.login('reader');
    const id = await connectionIdOf(reader);
    neverReads.add(id);
    const warnings: string[] = [];
    const log = { debug() {}, info() {}, warn: (message: string) => void warnings.push(message), error() {} };
    const gateway = createFanout({ endpoint: chat.chat.callbackUrl, concurrency: 4, log }).until(Date.now());
    const outcomes = await Promise.all([1, 2, 3].map(() => gateway.post(id, Buffer.from('{"type":"probe"}'))));
    neverReads.clear();
    expect(outcomes).toEqual(['failed', 'failed', 'failed']);
    expect(gateway.metrics).toMatchObject({ posts: 3, failed: 3, retried: 0, pastDeadline: 3 });
    expect(warnings).toEqual(['invocation deadline reached: retries dropped']);
  });
});
