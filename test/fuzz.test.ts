// Property-based fuzzing of a live chat: random frames (arbitrary Unicode, control and bidi soup,
// command-like and JSON-like text, truncated JSON, near-limit sizes) from a few connections, then two
// honest users must still log in and chat, and every event anyone got must be well formed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ServerEvent } from '../functions/core/events.ts';
import { MAX_TEXT_LENGTH } from '../functions/core/frame.ts';
import type { ChatClient } from './support/client.ts';
import { useLocalChat } from './support/chat.ts';
import { expectStillServing } from './support/still-serving.ts';

// No rate limit to speak of: fuzz frames should reach the parser, not the limiter.
const chat = useLocalChat({ env: { RATE_LIMIT_FRAMES: '1000000' } });
const RUNS = Number(process.env.FUZZ_RUNS ?? 30);
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const soupChar = fc.constantFrom('\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u200b', '\u200d', '\u202e', '\u2066', '\ufeff', '\ud800', '\udfff',
  '{', '}', '[', '"', '\\', ':', ',', '@', '/', '#', ' ', '\n', '\t', 'a', 'Z', '0', 'é', 'e\u0301', 'а', 'ß', '😀', '👩\u200d💻', 'ｱ');
const shortText = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: soupChar, maxLength: 40 }));
const commandLike = fc
  .tuple(fc.constantFrom('/nick ', '/ls', '/who', '/i', '/whoami', '/help', '/join ', '/leave', '/rooms', '/history ', '/', '@', '@fuzz', 'CONN#', 'NICK#', ''), shortText)
  .map(([head, tail]) => head + tail);
const jsonValue = fc.oneof(shortText, commandLike, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));
const jsonLike = fc
  .record(
    {
      action: fc.oneof(fc.constant('message'), fc.constant('$default'), shortText, fc.integer()),
      text: jsonValue,
      from: shortText,
      nickname: shortText,
      connectionId: shortText,
    },
    { requiredKeys: [] },
  )
  .map((frame) => JSON.stringify(frame));
const truncatedJson = fc.tuple(jsonLike, fc.nat()).map(([json, cut]) => json.slice(0, cut % (json.length + 1)));
const nearLimit = fc.tuple(fc.integer({ min: MAX_TEXT_LENGTH - 2, max: MAX_TEXT_LENGTH + 2 }), fc.constantFrom('x', '😀', ' ', 'é')).map(([n, c]) => c.repeat(n));
const bigJson = fc.integer({ min: 1, max: 30_000 }).map((n) => JSON.stringify({ action: 'message', text: 'y'.repeat(n) }));
const frame = fc.oneof(
  { arbitrary: shortText, weight: 3 },
  { arbitrary: commandLike, weight: 3 },
  { arbitrary: jsonLike, weight: 3 },
  { arbitrary: truncatedJson, weight: 2 },
  { arbitrary: fc.json({ maxDepth: 3 }), weight: 1 },
  { arbitrary: nearLimit, weight: 1 },
  { arbitrary: bigJson, weight: 1 },
);

/** What every event must look like, whoever gets it. */
function expectWellFormed(event: ServerEvent): void {
  expect(typeof event.type).toBe('string');
  expect(event.at).toMatch(ISO_UTC);
  if (event.type === 'error') {
    expect(ERROR_CODES).toContain(event.code);
    expect(event.code).not.toBe('INTERNAL_ERROR'); // a fuzz frame must never make the server fail
    expect(event.message.length).toBeGreaterThan(0);
  }
}

describe('fuzzing a live gateway', () => {
  it(`keeps serving honest users after each of ${RUNS} rounds of random frames from three connections`, async () => {
    // A guest and two logged-in users, kept across rounds so state built up by earlier frames carries on.
    const fuzzers: ChatClient[] = [await chat.connect(), await chat.login('fuzzer1'), await chat.login('fuzzer2')];
    let framesSent = 0;
    let eventsChecked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 10, maxLength: 40, size: 'max' }), async (frames) => {
        frames.forEach((text, index) => fuzzers[index % fuzzers.length]?.send(text));
        framesSent += frames.length;
        // Each fuzzer still answers, so it is still connected, and the gateway has received all its frames
        // (its /whoami came after them on the same socket). That reply does not prove they have finished:
        // handlers run concurrently, and a fuzzer's broadcast still fanning out would reach the honest users
        // who log in next. So wait until no handler is in flight (the gateway's own count of invocations):
        // then nothing the fuzzers sent can reach anyone any more, and the honest check stays exact.
        for (const fuzzer of fuzzers) {
          fuzzer.send('/whoami');
          await fuzzer.next('whoami');
        }
        await chat.settled();
        const honest = await expectStillServing(chat);
        await Promise.all(honest.map((client) => client.close()));
        for (const client of honest) client.events.forEach(expectWellFormed);
      }),
      { numRuns: RUNS },
    );
    await chat.settled(...fuzzers); // every event due to the fuzzers has arrived, so all of them are checked
    for (const fuzzer of fuzzers) {
      expect(fuzzer.closed).toBeNull();
      fuzzer.events.forEach(expectWellFormed);
      eventsChecked += fuzzer.events.length;
    }
    console.log(`fuzz: ${RUNS} rounds, ${framesSent} random frames, ${eventsChecked} events to the fuzzers checked`);
  });
});
