// The local CLIs explain themselves: usage for --help and unknown options, one line (no stack trace)
// for a missing server, an unknown room or a taken port, and PORT moving the emulator along.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, LOOPBACK, listenOn } from '../local/listening.ts';
import { localPorts } from '../local/local-defaults.ts';
import { useLocalChat } from './support/chat.ts';
import { ROOT, tsNodeArgs } from './support/processes.ts';

const chat = useLocalChat();

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a TypeScript entry point to its end, whatever its exit code. */
function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(process.execPath, tsNodeArgs(file, ...args), { cwd: ROOT, env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT', ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const noTrace = (output: string) => expect(output).not.toMatch(/\n\s+at |node:internal|ERR_PARSE_ARGS/u);

describe('npm run announce', () => {
  it('--help prints the usage', async () => {
    const { code, stdout } = await run('local/announce.ts', ['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: npm run announce/u);
  });

  it('an unknown option prints what is wrong and the usage, not a trace', async () => {
    const { code, stderr } = await run('local/announce.ts', ['hi', '--bogus']);
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown option '--bogus'");
    expect(stderr).toContain('usage: npm run announce');
    noTrace(stderr);
  });

  it('with no server running, says in one line to run npm start', async () => {
    const port = await freePort();
    // This process's environment points at the test's own chat: unset that, as in a fresh shell.
    const fresh = { PORT: String(port), DYNAMODB_PORT: String(port), TABLE_NAME: '', CALLBACK_URL: '', DYNAMODB_ENDPOINT: '' };
    const { code, stderr } = await run('local/announce.ts', ['hello'], fresh);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('run `npm start` first');
  });

  it('refuses a room no one is in, and an invalid one, without claiming success', async () => {
    await chat.login('listener');
    const common = ['--table', chat.chat.tableName, '--callback-url', chat.chat.callbackUrl, '--dynamodb-endpoint', chat.chat.dynamodbEndpoint];
    const unknown = await run('local/announce.ts', ['hello', '--room', 'nosuchroom', ...common]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).not.toContain('announced');
    expect(unknown.stderr.trim()).toBe('announce: no one is in room "nosuchroom" (rooms with anyone in them: lobby)');
    const invalid = await run('local/announce.ts', ['hello', '--room', 'two words', ...common]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^announce: Invalid room name/u);
    noTrace(invalid.stderr);
  });
});

describe('npm start', () => {
  it('on a port in use says so in one line, naming the settings to change', async () => {
    const { port } = new URL(chat.chat.url);
    const { code, stderr, stdout } = await run('local/start.ts', [], { PORT: port, DYNAMODB_PORT: '0', QUIET: 'true' });
    expect(code).toBe(1);
    expect(stdout).not.toContain('listening');
    expect(stderr.trim()).toBe(`npm start: port ${port} is in use (another npm start?). Set PORT (the chat) and DYNAMODB_PORT (its emulator, default PORT+1) to free ones.`);
  });

  it('says the same when the emulator\'s port (its worker thread) is taken', async () => {
    const holder = createServer();
    const taken = await listenOn(holder, 0, LOOPBACK);
    // DYNAMODB_ENDPOINT unset (this process's points at the test's chat), so npm start embeds its own.
    const { code, stderr } = await run('local/start.ts', [], { PORT: '0', DYNAMODB_PORT: String(taken), DYNAMODB_ENDPOINT: '', QUIET: 'true', TLS: 'false' });
    await new Promise((resolve) => holder.close(resolve));
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(`npm start: port ${taken} is in use (another npm start?). Set PORT (the chat) and DYNAMODB_PORT (its emulator, default PORT+1) to free ones.`);
  });

  it('refuses throttling settings the stack would refuse, in one line', async () => {
    const bad = await run('local/start.ts', [], { PORT: '0', DYNAMODB_PORT: '0', QUIET: 'true', THROTTLE: 'yes' });
    expect([bad.code, bad.stderr.trim()]).toEqual([1, 'npm start: env THROTTLE: "yes" is not "true" or "false"']);
    const burst = await run('local/start.ts', [], { PORT: '0', DYNAMODB_PORT: '0', QUIET: 'true', THROTTLE: 'true', WSCHAT_THROTTLE_BURST: '2.5' });
    expect([burst.code, burst.stderr.trim()]).toEqual([1, 'npm start: env WSCHAT_THROTTLE_BURST: "2.5" is not an integer in [0, 5000]']);
  });

  it('moves the emulator with PORT unless DYNAMODB_PORT is set, and refuses a port that is not one', () => {
    expect(localPorts({})).toEqual({ port: 3001, dynamodbPort: 3002 });
    expect(localPorts({ PORT: '3021' })).toEqual({ port: 3021, dynamodbPort: 3022 });
    expect(localPorts({ PORT: '3021', DYNAMODB_PORT: '4000' })).toEqual({ port: 3021, dynamodbPort: 4000 });
    expect(() => localPorts({ PORT: 'abc' })).toThrow('PORT="abc" (from the environment): must be a port number from 0 to 65535');
  });
});
