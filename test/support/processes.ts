// Child processes of the tests: the project's own TypeScript entry points, run as package.json runs them.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The project root (the cwd of every script in package.json), with a trailing slash. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** This Node.js binary's arguments to run a TypeScript file as the scripts do: `node --no-warnings --import tsx`. */
export function tsNodeArgs(file: string, ...args: string[]): string[] {
  return ['--no-warnings', '--import', 'tsx', file, ...args];
}

const execFileAsync = promisify(execFile);

/** Runs a TypeScript file (a path from the project root) to its end; rejects if it exits non-zero. */
export function runTs(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync(process.execPath, tsNodeArgs(file, ...args), { cwd: ROOT, env });
}
