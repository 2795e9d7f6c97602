// `npm run chat`: completion and colour as pure functions, and the client itself against a real local
// chat with piped stdin (not a TTY: no colour, no prompt), synchronised on its output lines and events.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { ServerEvent } from '../functions/core/events.ts';
import { complete, COMMANDS, Roster } from '../local/chat-cli/completion.ts';
import { chatUrl, reconnectDelayMs, tlsHint } from '../local/chat-cli/connection.ts';
import { SeenEvents } from '../local/chat-cli/seen-events.ts';
import { colourWanted, nickColour, parseServerEvent, renderEvent } from '../local/chat-cli/render.ts';
import { useLocalChat } from './support/chat.ts';
import { connectionIdOf } from './support/client.ts';
import { ROOT, tsNodeArgs } from './support/processes.ts';
import { DEFAULT_WAIT_MS } from './support/wait.ts';

const chat = useLocalChat();
const AT = '2026-11-23T12:29:36.351Z';
const ESC = String.fromCharCode(0x1b);
const ANSI = new RegExp(`${ESC}\\[`, 'u');

describe('completion', () => {
  const names = ['alice', 'Albert', 'bob'];
  it('completes commands at the start of a line, with a space when there is one candidate', () => {
    expect(complete('/jo', names)).toEqual([['/join '], '/jo']);
    expect(complete('/h', names)).toEqual([['/history', '/help'], '/h']);
    expect(complete('/', names)[0]).toEqual([...COMMANDS]);
  });
  it('completes nicknames case-insensitively, anywhere and after @', () => {
    expect(complete('hi al', names)).toEqual([['alice', 'Albert'], 'al']);
    expect(complete('hi B', names)).toEqual([['bob '], 'B']);
    expect(complete('@bo', names)).toEqual([['@bob '], '@bo']);
    expect(complete('say /jo', names)).toEqual([[], '/jo']);
  });
  it('learns names from /ls and from join, leave and rename announcements; a room change starts over', () => {
    const roster = new Roster();
    const events: ServerEvent[] = [
      { type: 'users', at: AT, room: 'lobby', users: ['alice', 'bob'], count: 2 },
      { type: 'system', seq: 1, at: AT, room: 'lobby', text: 'carol joined' },
      { type: 'system', seq: 2, at: AT, room: 'lobby', text: 'bob left' },
      { type: 'system', seq: 3, at: AT, room: 'lobby', text: 'alice is now al' },
    ];
    for (const event of events) roster.update(event);
    expect(roster.list()).toEqual(['al', 'carol']);
    roster.update({ type: 'room', at: AT, room: 'den' });
    expect(roster.list()).toEqual([]);
  });
});

describe('rendering', () => {
  const message: ServerEvent = { type: 'message', seq: 1, at: AT, room: 'lobby', from: 'bob', text: 'hi: there' };
  it('without colour, is exactly formatText', () => {
    expect(renderEvent(message, false)).toEqual(['[12:29:36] bob: hi: there']);
    expect(renderEvent({ type: 'system', seq: 2, at: AT, room: 'lobby', text: 'bob joined' }, false)).toEqual(['[12:29:36] * bob joined']);
  });
  it('with colour, colours the nickname (the same each time), errors red and the server dim; the text is unchanged', () => {
    const [line = ''] = renderEvent(message, true);
    expect(line).toBe(`[12:29:36] ${nickColour('bob')}bob\u001b[0m: hi: there`);
    expect(nickColour('bob')).toBe(nickColour('bob'));
    expect(renderEvent({ type: 'error', at: AT, code: 'NO_SUCH_USER', message: 'no' }, true)).toEqual(['\u001b[31m[12:29:36] ! NO_SUCH_USER: no\u001b[0m']);
    expect(renderEvent({ type: 'system', seq: 3, at: AT, room: 'lobby', text: 'bob left' }, true)).toEqual(['\u001b[2m[12:29:36] * bob left\u001b[0m']);
    const [privately = ''] = renderEvent({ type: 'private', at: AT, from: 'bob', to: 'alice', text: 'psst' }, true);
    expect(privately.replace(new RegExp(`${ESC}\\[\\d+m`, 'gu'), '')).toBe('[12:29:36] (private) bob → alice: psst');
  });
  it('colours history lines by their own sender, and keeps escapes for control characters', () => {
    const lines = renderEvent({ type: 'history', at: AT, room: 'lobby', messages: [{ type: 'message', seq: 1, at: AT, room: 'lobby', from: 'alice', text: 'a\nb' }] }, true);
    expect(lines[1]).toBe(`[12:29:36] ${nickColour('alice')}alice\u001b[0m: a\\u{000a}b`);
  });
  it('colour only on a TTY without NO_COLOR', () => {
    expect(colourWanted(true, {})).toBe(true);
    expect(colourWanted(false, {})).toBe(false);
    expect(colourWanted(undefined, {})).toBe(false);
    expect(colourWanted(true, { NO_COLOR: '1' })).toBe(false);
  });
  it('parses only the events it knows', () => {
    expect(parseServerEvent(JSON.stringify(message))).toEqual(message);
    expect(parseServerEvent('[12:29:36] bob: hi')).toBeUndefined();
    expect(parseServerEvent('{"type":"message","at":"x"}')).toBeUndefined();
    expect(parseServerEvent('{"type":"error","at":"x","code":"NOPE","message":"m"}')).toBeUndefined();
  });
});

describe('seen events', () => {
  const message = (seq: number): ServerEvent => ({ type: 'message', seq, at: AT, room: 'lobby', from: 'amy', text: `#${seq}` });
  it('resumes from the end of the unbroken run (6 still on its way after 5 and 7), and shows each event once', () => {
    const seen = new SeenEvents();
    expect(seen.unseen(message(5), false)).toEqual(message(5));
    expect(seen.unseen(message(7), false)).toEqual(message(7));
    expect(seen.last('lobby')).toBe(5);
    expect(seen.unseen(message(7), false)).toBeUndefined(); // again: not shown twice
    const replay: ServerEvent = { type: 'history', at: AT, room: 'lobby', messages: [6, 7].map((seq) => message(seq)).filter((e) => e.type === 'message') };
    const shown = seen.unseen(replay, true);
    expect(shown?.type === 'history' && shown.messages.map((kept) => kept.seq)).toEqual([6]);
    expect(seen.last('lobby')).toBe(7);
    // History asked for is shown whole, seen or not.
    expect(seen.unseen(replay, false)).toEqual(replay);
  });
});

describe('connection decisions', () => {
  it('backs off from 1 s, doubling, to 15 s', () => {
    expect([0, 1, 2, 3, 4, 5].map(reconnectDelayMs)).toEqual([1000, 2000, 4000, 8000, 15_000, 15_000]);
  });
  it('adds the token and accepts only ws: and wss:', () => {
    expect(chatUrl('wss://example.com/prod', 'a b')).toBe('wss://example.com/prod?token=a+b');
    expect(chatUrl('ws://127.0.0.1:3001/', undefined)).toBe('ws://127.0.0.1:3001/');
    expect(() => chatUrl('http://x/', undefined)).toThrow(/not a WebSocket URL/u);
  });
  it('hints at NODE_EXTRA_CA_CERTS for an untrusted certificate only', () => {
    expect(tlsHint(Object.assign(new Error('x'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }))).toContain('NODE_EXTRA_CA_CERTS');
    expect(tlsHint(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBeUndefined();
  });
});

/** The client as a child process, its output gathered, with a wait for a line. */
class Cli {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private waiters: Array<() => void> = [];
  readonly child: ChildProcessWithoutNullStreams;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, tsNodeArgs('local/chat.ts', ...args), { cwd: ROOT, env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '' } });
    this.child.stdout.on('data', (chunk: Buffer) => this.grew(() => (this.stdout += chunk.toString())));
    this.child.stderr.on('data', (chunk: Buffer) => this.grew(() => (this.stderr += chunk.toString())));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    // A failed test must not leave its client connected (the next test starts from an empty chat).
    onTestFinished(() => {
      if (this.child.exitCode === null) this.child.kill();
    });
  }

  type(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Resolves once a line of stdout matches; fails (showing what came) after DEFAULT_WAIT_MS. */
  async line(pattern: RegExp): Promise<string> {
    const deadline = Date.now() + DEFAULT_WAIT_MS;
    for (;;) {
      const found = this.stdout.split('\n').find((line) => pattern.test(line));
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line matching ${pattern} in:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private grew(append: () => void): void {
    append();
    for (const wake of this.waiters.splice(0)) wake();
  }
}

describe('npm run chat', () => {
  it('logs in with --nick, shows and sends messages, and /quit closes cleanly', async () => {
    const bob = await chat.login('bob');
    const cli = new Cli([chat.chat.url, '--nick', 'carol']);
    await cli.line(/^\[\d\d:\d\d:\d\d\] \* you are carol$/u);
    await bob.waitFor((event) => event.type === 'system' && event.text === 'carol joined', '"carol joined"');
    bob.send('hi carol');
    await cli.line(/^\[\d\d:\d\d:\d\d\] bob: hi carol$/u);
    cli.type('hello bob');
    const seen = await bob.waitFor((event) => event.type === 'message' && event.from === 'carol', "carol's message");
    expect(seen).toMatchObject({ type: 'message', from: 'carol', text: 'hello bob' });
    await cli.line(/^\[\d\d:\d\d:\d\d\] carol: hello bob$/u); // the server's echo: sent, not just typed
    cli.type('/quit');
    expect(await cli.exited).toBe(0);
    await bob.waitFor((event) => event.type === 'system' && event.text === 'carol left', '"carol left"');
    expect(cli.stdout).not.toMatch(ANSI); // piped: no colour
    expect(cli.stderr).toBe('');
  });

  it('resumes after its connection is dropped: the same name, what was said meanwhile once, the room told nothing', async () => {
    const bob = await chat.login('bob');
    const bobId = await connectionIdOf(bob);
    const cli = new Cli([chat.chat.url, '--nick', 'dora']);
    await cli.line(/^\[\d\d:\d\d:\d\d\] \* you are dora$/u);
    await bob.waitFor((event) => event.type === 'system' && event.text === 'dora joined', '"dora joined"');
    const doraId = chat.chat.gateway.connectionIds().find((id) => id !== bobId) ?? '';
    chat.chat.gateway.dropConnection(doraId); // no close frame, no $disconnect: the socket just vanishes
    await cli.line(/disconnected/u);
    bob.send('while dora was away');
    await cli.line(/welcome back, dora: you are in #lobby/u);
    await cli.line(/bob: while dora was away$/u); // live or replayed, whichever came first
    cli.type('still here');
    await bob.waitFor((event) => event.type === 'message' && event.text === 'still here', 'her message after the resume');
    expect(cli.stdout.split('\n').filter((line) => /while dora was away$/u.test(line))).toHaveLength(1);
    await chat.settled(bob);
    expect(bob.received('system').map((event) => event.text).filter((text) => text.includes('dora'))).toEqual(['dora joined']);
    cli.type('/quit');
    expect(await cli.exited).toBe(0);
  });

  it('--help prints the usage and exits 0', async () => {
    const cli = new Cli(['--help']);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout).toMatch(/^usage: npm run chat/u);
  });

  it('an unknown option prints what is wrong and the usage, exits 2, no trace', async () => {
    const cli = new Cli(['--bogus']);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr).toContain("Unknown option '--bogus'");
    expect(cli.stderr).toContain('usage: npm run chat');
    expect(cli.stderr).not.toMatch(/\n\s+at |node:internal|ERR_PARSE_ARGS/u);
  });
});
