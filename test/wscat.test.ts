// What the README tells people to do: wscat (a dev dependency) logs in and reads an event.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useLocalChat } from './support/chat.ts';

const chat = useLocalChat();
const wscat = fileURLToPath(new URL('../node_modules/.bin/wscat', import.meta.url));

/** Runs wscat, sends one frame, collects what it prints. stdin stays open: at EOF wscat quits without connecting. */
function runWscat(url: string, frame: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(wscat, ['-c', url, '-x', frame, '-w', '1'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve(output));
    setTimeout(() => child.kill(), 10_000).unref();
  });
}

describe('wscat', () => {
  it('logs in with /nick and prints the login event', async () => {
    const output = await runWscat(chat.chat.url, '/nick wscatuser');
    const login = output.split('\n').find((line) => line.includes('"type":"login"'));
    expect(login, output).toBeDefined();
    expect(JSON.parse(login as string)).toMatchObject({ type: 'login', nickname: 'wscatuser' });
  });
});
