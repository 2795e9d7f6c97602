// `npm start` itself, run as package.json runs it: the chat is reachable over a real socket, and the
// console shows one line per event (route, connection, status, duration) unless QUIET=true.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ChatClient, connectionIdOf } from './support/client.ts';
import { escapeRegExp } from './support/gateway.ts';
import { ROOT } from './support/processes.ts';

/** The `start` script's command line, with `node` replaced by this Node.js binary. */
function startCommand(): { command: string; args: string[] } {
  const { scripts } = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: { start: string } };
  const [program, ...args] = scripts.start.split(/\s+/);
  if (program !== 'node') throw new Error(`unexpected start script: ${scripts.start}`);
  return { command: process.execPath, args };
}

interface StartedChat {
  child: ChildProcessWithoutNullStreams;
  url: string;
  /** Every stdout line so far. */
  lines: string[];
  /** Everything on stderr so far (all of it once `stop()` has resolved). */
  stderr(): string;
  /** Resolves with the first line (from now on or already seen) that matches. */
  lineMatching(pattern: RegExp): Promise<string>;
  /** SIGTERM, as Ctrl-C would; resolves once the process has exited and its output is read. */
  stop(): Promise<void>;
}

/** This process's environment with `env` on top, less what a test process may carry from other suites. */
function startEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DYNAMODB_PORT: '0', ...env };
  // Settings a test process may carry from other suites would point the child elsewhere.
  for (const name of ['DYNAMODB_ENDPOINT', 'TABLE_NAME', 'CALLBACK_URL', 'CONNECT_TOKEN', 'CONNECT_JWT_SECRET', 'CONNECT_AUTH', 'NICKNAME_FROM_CLAIM']) {
    if (!Object.hasOwn(env, name)) delete childEnv[name];
  }
  if (env.HOST === undefined) delete childEnv.HOST; // npm start's own default
  return childEnv;
}

/** `npm start` that is expected to refuse to start: its exit code and stderr. */
function failedStart(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { command, args } = startCommand();
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, env: startEnv(env), timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

async function npmStart(env: Record<string, string>): Promise<StartedChat> {
  const { command, args } = startCommand();
  const child = spawn(command, args, { cwd: ROOT, env: startEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  // 'close' comes after 'exit' and after the child's stdout and stderr have ended.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  const lines: string[] = [];
  let waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    const matched = waiters.filter((waiter) => waiter.pattern.test(line));
    waiters = waiters.filter((waiter) => !matched.includes(waiter));
    for (const waiter of matched) waiter.resolve(line);
  });
  const lineMatching = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find((line) => pattern.test(line));
      if (seen !== undefined) return resolve(seen);
      waiters.push({ pattern, resolve });
      void exited.then(() => reject(new Error(`npm start exited before printing ${pattern}:\n${lines.join('\n')}\n${stderr}`)));
    });

  const banner = await lineMatching(/listening on ws:\/\//);
  const url = /listening on (ws:\/\/\S+)/.exec(banner)?.[1] ?? '';
  return {
    child,
    url,
    lines,
    stderr: () => stderr,
    lineMatching,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const EVENT_LINE = /^\d{2}:\d{2}:\d{2}\.\d{3} (CONNECT|MESSAGE|DISCONNECT) /;

describe('npm start', () => {
  it('serves the chat and logs one line per event: type, route, connection, status, duration', async () => {
    const chat = await npmStart({});
    const client = (await ChatClient.connect(chat.url)).endWithTest();
    const connectionId = await connectionIdOf(client);
    client.socket.close(1000);
    const id = escapeRegExp(connectionId);

    const disconnect = await chat.lineMatching(new RegExp(`DISCONNECT +\\$disconnect +${id} `));
    const connect = await chat.lineMatching(new RegExp(`CONNECT +\\$connect +${id} `));
    const message = await chat.lineMatching(new RegExp(`MESSAGE +\\$default +${id} `));

    expect(connect).toMatch(new RegExp(`^\\d{2}:\\d{2}:\\d{2}\\.\\d{3} CONNECT +\\$connect +${id} 200 \\d+ms$`));
    expect(message).toMatch(new RegExp(`MESSAGE +\\$default +${id} 200 \\d+ms$`));
    expect(disconnect).toMatch(new RegExp(`DISCONNECT +\\$disconnect +${id} \\S+ \\d+ms  1000 client$`));
    expect(chat.lines.filter((line) => EVENT_LINE.test(line))).toHaveLength(3);
    await chat.stop();
  });

  it('prints no event lines with QUIET=true', async () => {
    const chat = await npmStart({ QUIET: 'true' });
    const client = (await ChatClient.connect(chat.url)).endWithTest();
    client.send('/help');
    await client.next('help');
    client.socket.close(1000);
    await client.whenClosed();

    await chat.stop(); // waits for the $disconnect still running, which would log if anything did

    expect(chat.lines.filter((line) => EVENT_LINE.test(line))).toEqual([]);
  });

  it('survives a handshake whose query and header names are Object.prototype members, and keeps serving', async () => {
    const chat = await npmStart({ QUIET: 'true' });
    const whoami = (client: ChatClient) => {
      client.send('/whoami');
      return client.next('whoami');
    };

    const hostile = (
      await ChatClient.open(`${chat.url}/?constructor=1&__proto__=x&toString=y&hasOwnProperty=z&valueOf=1`, {
        headers: { constructor: 'a', ['__proto__']: 'b', toString: 'c' },
      })
    ).endWithTest();
    expect(await whoami(hostile)).toMatchObject({ type: 'whoami' });
    const next = (await ChatClient.connect(chat.url)).endWithTest();
    expect(await whoami(next)).toMatchObject({ type: 'whoami' });
    expect(chat.child.exitCode).toBeNull();
    await chat.stop();
  });

  it('warns on stderr what anyone can reach when HOST is not loopback', async () => {
    const chat = await npmStart({ HOST: '0.0.0.0' });
    await chat.stop();

    const warning = chat.stderr();
    expect(warning).toMatch(/WARNING: wschat is listening on every interface \(0\.0\.0\.0\), port \d+, not only on loopback/);
    expect(warning).toMatch(/@connections management API \(\/local\/@connections\/\{id\}/);
    expect(warning).toMatch(/POST a message to, GET .* or DELETE \(disconnect\) any connection/);
    expect(warning).toMatch(/no \$connect authorizer/);
  });

  it('runs the authorizer with CONNECT_AUTH=token: 401 without ?token=, 403 with a wrong one, in before $connect', async () => {
    const chat = await npmStart({ CONNECT_AUTH: 'token', CONNECT_TOKEN: 'the-local-token', TLS: 'false' });
    await chat.lineMatching(/^Sign-in: +CONNECT_AUTH=token/);
    const refused = (query: Record<string, string>) => ChatClient.attempt(chat.url, { query });
    expect(await refused({})).toMatchObject({ refused: { status: 401 } });
    expect(await refused({ token: 'wrong' })).toMatchObject({ refused: { status: 403 } });
    const client = await ChatClient.connect(chat.url, { token: 'the-local-token', nickname: 'ada' });
    client.send('/whoami');
    expect((await client.next('whoami')).nickname).toBe('ada');
    await client.close();
    // The refusals are logged as the gateway saw them; the token never is.
    await chat.lineMatching(/CONNECT +\$connect +\S+ 401 .*identity source missing/);
    await chat.stop();
    expect(chat.lines.join('\n')).not.toContain('the-local-token');
  });

  it.each([
    [{}, 'CONNECT_AUTH=none (the default): there is no sign-in'],
    [{ CONNECT_TOKEN: 'legacy-token' }, 'CONNECT_AUTH=none (the default), and the legacy CONNECT_TOKEN check names nobody'],
    [{ CONNECT_AUTH: 'token', CONNECT_TOKEN: 'shared' }, 'CONNECT_AUTH=token: the shared token names nobody'],
  ])('refuses NICKNAME_FROM_CLAIM=true without CONNECT_AUTH=jwt (%o): exits at once, naming both settings', async (env, why) => {
    const run = await failedStart({ ...env, NICKNAME_FROM_CLAIM: 'true', TLS: 'false' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`npm start: NICKNAME_FROM_CLAIM=true (from the environment) needs CONNECT_AUTH=jwt, a sign-in that names each user; ${why}`);
    expect(run.stdout).not.toMatch(/listening/);
  });

  it('prints no warning on the default host', async () => {
    const chat = await npmStart({});
    await chat.stop();

    expect(chat.stderr()).not.toMatch(/WARNING/);
  });
});
