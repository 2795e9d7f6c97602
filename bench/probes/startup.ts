// `npm start` as a user runs it: spawned, then timed until a WebSocket handshake is accepted (not just
// until it prints that it listens). Free ports, no hot-reload watchers left behind: the process group is
// ended when done.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../infra/bundling.ts';
import WebSocket from 'ws';
import { percentile } from '../report/stats.ts';

export interface StartupFigures {
  /** `npm start`: spawn → first accepted WebSocket handshake, ms. */
  readyMs: { p50: number; max: number; runs: number[] };
  /** Spawn → the "listening" line, ms (the rest of readyMs is the first $connect, handlers loaded on first use). */
  listeningMs: number[];
  /** What the server itself reports ("ready in N ms"), from inside its process. */
  selfReportedMs: number[];
  /** The same, started with the script's node command directly: the difference is npm's own start-up. */
  withoutNpmMs: number[];
}

const LISTENING = /listening on (ws:\/\/\S+) \(ready in (\d+) ms\)/;

export async function measureStartup(runs = 3): Promise<StartupFigures> {
  const ready: number[] = [];
  const listening: number[] = [];
  const selfReported: number[] = [];
  const withoutNpm: number[] = [];
  const script = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const [command, ...args] = script.split(/\s+/);
  for (let index = 0; index < runs; index += 1) {
    const once = await startOnce('npm', ['start']);
    ready.push(once.readyMs);
    listening.push(once.listeningMs);
    selfReported.push(once.reportedMs);
    withoutNpm.push((await startOnce(command === 'node' ? process.execPath : (command as string), args)).readyMs);
  }
  const sorted = [...ready].sort((a, b) => a - b);
  return {
    readyMs: { p50: percentile(sorted, 50), max: sorted.at(-1) ?? Number.NaN, runs: ready },
    listeningMs: listening,
    selfReportedMs: selfReported,
    withoutNpmMs: withoutNpm,
  };
}

async function startOnce(command: string, args: string[]): Promise<{ readyMs: number; listeningMs: number; reportedMs: number }> {
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    env: { ...userEnvironment(), PORT: '0', DYNAMODB_PORT: '0', QUIET: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so npm, the shell and node all end together
  });
  let output = '';
  try {
    const { url, reportedMs } = await new Promise<{ url: string; reportedMs: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${command} ${args.join(' ')} did not listen within 30 s:\n${output}`)), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = LISTENING.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve({ url: match[1] as string, reportedMs: Number(match[2]) });
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`${command} exited with ${code}:\n${output}`)));
    });
    const listeningMs = performance.now() - started;
    await handshake(url);
    return { readyMs: performance.now() - started, listeningMs, reportedMs };
  } finally {
    await stop(child.pid);
  }
}

/** This process's environment without what the benchmark sets for the handlers it runs itself. */
function userEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['TABLE_NAME', 'DYNAMODB_ENDPOINT', 'CALLBACK_URL', 'MEASURE_CAPACITY', 'RATE_LIMIT_FRAMES', 'FANOUT_CONCURRENCY']) delete env[name];
  return env;
}

function handshake(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.close();
      resolve();
    });
    socket.once('error', reject);
  });
}

async function stop(pid: number | undefined): Promise<void> {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  for (let waited = 0; waited < 5000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    try {
      process.kill(-pid, 0);
    } catch {
      return;
    }
  }
  process.kill(-pid, 'SIGKILL');
}
