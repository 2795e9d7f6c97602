// `?resume=TOKEN[&seq=N]` on the connect URL: at `$connect` the token is checked and the name taken
// over; the `login`, the replay and `resumed` follow as deferred work once the connection can receive
// (the in-process timers here; the SQS queue on AWS, same consumer). Real ws clients, the local
// gateway, dynalite. Its own file: one local chat per test file.
import { describe, expect, it } from 'vitest';
import { useLocalChat } from './support/chat.ts';
import { ChatClient, type Refusal } from './support/client.ts';

// A leave waits 60 s for a resume (the default is 30 s): no test here sees one announced by accident.
const chat = useLocalChat({ env: { RATE_LIMIT_FRAMES: '0', RESUME_GRACE_MS: '60000' } });

const about = (client: ChatClient, nickname: string) => client.received('system').map((e) => e.text).filter((text) => text.includes(nickname));
const lastSeq = (client: ChatClient): number => Math.max(...client.events.flatMap((event) => ('seq' in event && typeof event.seq === 'number' ? [event.seq] : [])));

async function refusal(query: Record<string, string>): Promise<Refusal> {
  const outcome = await ChatClient.attempt(chat.chat.url, { query });
  if (!('refused' in outcome)) {
    await outcome.client.close();
    throw new Error('the handshake was accepted');
  }
  return outcome.refused;
}

describe('?resume= on the connect URL', () => {
  it('gets the name back; the login, the replay after seq and resumed arrive; the room hears nothing', async () => {
    const watcher = await chat.login('watcher');
    const dave = await chat.login('dave');
    await watcher.waitFor((e) => e.type === 'system' && e.text === 'dave joined', '"dave joined"');
    const token = dave.resumeToken();
    const seen = lastSeq(dave);
    await dave.close();
    watcher.send('while you were away');
    await watcher.next('message');
    const fresh = await chat.connect({ resume: token, seq: String(seen) });
    const login = await fresh.next('login');
    expect(login.nickname).toBe('dave');
    expect(login.resume).not.toBe(token); // rotated
    const history = await fresh.next('history');
    expect(history.messages.map((m) => ('text' in m ? m.text : ''))).toEqual(['while you were away']);
    expect(history.messages.every((m) => typeof m.seq === 'number' && m.seq > seen)).toBe(true);
    expect(await fresh.next('resumed')).toMatchObject({ nickname: 'dave', room: 'lobby', replayed: 1, gap: false });
    fresh.send('/whoami');
    expect((await fresh.next('whoami')).nickname).toBe('dave');
    await chat.settled(watcher, fresh);
    expect(about(watcher, 'dave')).toEqual(['dave joined']);
  });

  it('takes the name over from the old connection while it is still open (which is closed)', async () => {
    const erin = await chat.login('erin');
    const fresh = await chat.connect({ resume: erin.resumeToken() });
    expect((await fresh.next('login')).nickname).toBe('erin');
    await fresh.next('resumed');
    await erin.whenClosed();
  });

  it('two handshakes with one token at once: one gets the name back, the other is refused', async () => {
    const hal = await chat.login('hal');
    const token = hal.resumeToken();
    const outcomes = await Promise.all([0, 1].map(() => ChatClient.attempt(chat.chat.url, { query: { resume: token } })));
    const accepted = outcomes.flatMap((outcome) => ('client' in outcome ? [outcome.client] : []));
    const refused = outcomes.flatMap((outcome) => ('refused' in outcome ? [outcome.refused] : []));
    expect(accepted).toHaveLength(1);
    expect(refused.map((r) => r.status)).toEqual([400]);
    const [winner] = accepted as [ChatClient];
    try {
      expect((await winner.next('resumed')).nickname).toBe('hal');
      await hal.whenClosed();
    } finally {
      await winner.close();
    }
  });

  it('refuses a bad token, a bad seq and ?nickname= with ?resume= (HTTP 400, saying why), and changes nothing', async () => {
    const fay = await chat.login('fay');
    const token = fay.resumeToken();
    const wrongSecret = `${token.slice(0, token.indexOf('.') + 1)}${'A'.repeat(43)}`;
    const queries: Record<string, string>[] = [{ resume: wrongSecret }, { resume: 'not-a-token' }, { resume: token, seq: '-1' }, { resume: token, seq: 'x' }, { resume: token, nickname: 'gus' }];
    for (const query of queries) {
      const refused = await refusal(query);
      expect(refused.status, JSON.stringify(query)).toBe(400);
      expect(refused.body, JSON.stringify(query)).toMatch(/resume/i);
    }
    // Nothing moved: fay is still fay on her connection, and her token still works (it was not rotated).
    fay.send('/whoami');
    expect((await fay.next('whoami')).nickname).toBe('fay');
    const fresh = await chat.connect({ resume: token });
    expect((await fresh.next('resumed')).nickname).toBe('fay');
  });
});
