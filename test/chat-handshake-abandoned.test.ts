// A client that closes while its `$connect` runs (here: `?nickname=ghost`, then gone) must leave no
// state behind: no connection item, no claim, no member in /ls, and its name free for the next one.
import { connect as connectTcp } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useLocalChat } from './support/chat.ts';
import { waitUntil } from './support/wait.ts';

const lines: string[] = [];
// Each announcement post takes a while, so the ghost's $connect (which announces its login to the
// lobby's members) is still running when its socket is gone.
const chat = useLocalChat({ faults: { postLatencyMs: 300 }, log: (line) => lines.push(line) });

/** Sends a WebSocket upgrade request by hand and closes the socket as soon as it is written. */
async function abandonHandshake(path: string): Promise<void> {
  const { port } = new URL(chat.chat.url);
  const socket = connectTcp(Number(port), '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const request = [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    '',
    '',
  ].join('\r\n');
  await new Promise<void>((resolve) => socket.write(request, () => resolve()));
  socket.destroy();
}

describe('a handshake abandoned during $connect', () => {
  it('leaves no connection, no claim and no member behind, and the gateway runs its $disconnect', async () => {
    const witness = await chat.login('witness');
    await abandonHandshake('/local?nickname=ghost');
    const store = chat.store();
    // The ghost's $connect claimed the name, announced it, and was answered after its socket had gone.
    await waitUntil(() => lines.some((line) => line.includes('DISCONNECT')), 10_000);
    await waitUntil(async () => (await store.getClaim('ghost')) === null, 10_000);
    await chat.chat.gateway.whenIdle();
    witness.send('/ls');
    expect((await witness.next('users')).users).toEqual(['witness']);
    const heir = await chat.connect();
    heir.send('/nick ghost');
    expect((await heir.next('login')).nickname).toBe('ghost');
  });
});
