// What the README tells people to do: wscat (a dev dependency) logs in and reads an event.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { useLocalChat } from './support/chat.ts';

const chat = useLocalChat();
const wscat = fileURLToPath(new URL('../node_modules/.bin/wscat', import.meta.url));

/**
 * Runs wscat, sends one frame, and collects what it prints until a line matches `until`; then it is
 * stopped. (`-w -1` holds the connection open: a fixed `-w` would be a guess at how long the answer
 * takes, which a loaded machine can exceed.) stdin stays open: at EOF wscat quits without connecting.
 */
function runWscat(url: string, frame: string, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(wscat, ['-c', url, '-x', frame, '-w', '-1'], { stdio: ['pipe', 'pipe', 'pipe'] });
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      // Complete lines only (a chunk may end mid-line).
      if (output.split('\n').slice(0, -1).some((line) => until.test(line)) && child.exitCode === null) child.kill();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('exit', () => resolve(output));
  });
}

describe('wscat', () => {
  it('logs in with /nick and prints the login event', async () => {
    const output = await runWscat(chat.chat.url, '/nick wscatuser', /"type":"login"/);
    const login = output.split('\n').find((line) => line.includes('"type":"login"'));
    expect(login, output).toBeDefined();
    expect(JSON.parse(login as string)).toMatchObject({ type: 'login', nickname: 'wscatuser' });
  });
});
