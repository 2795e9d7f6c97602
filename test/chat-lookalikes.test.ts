// Regression for look-alike names, end to end (real ws clients → local gateway → handlers → dynalite):
// a name that looks like one online is taken, and a room name that looks like the lobby is the lobby.
import { describe, expect, it } from 'vitest';
import { HandshakeRefused } from './support/client.ts';
import { useLocalChat } from './support/chat.ts';

const chat = useLocalChat();

describe('look-alike names', () => {
  it('refuses a whole-script, small-capital or within-Latin look-alike of an online name as taken', async () => {
    const online = await Promise.all(['MIKE', 'TOY', 'lan', 'modern', 'alice'].map((name) => chat.login(name)));
    const imitator = await chat.connect();
    for (const name of ['\u039c\u0399\u039a\u0395', '\u0422\u041e\u04ae', 'Ian', 'rnodern', '\u1d00\u029f\u026a\u1d04\u1d07']) {
      imitator.send(`/nick ${name}`);
      await imitator.error('NICKNAME_TAKEN');
    }
    await expect(chat.connect({ nickname: '\u039c\u0399\u039a\u0395' })).rejects.toEqual(new HandshakeRefused(409));
    imitator.send('/whoami');
    expect((await imitator.next('whoami')).nickname).toBeNull();
    // Nobody online heard of any of it.
    for (const client of online) expect(client.received('login')).toHaveLength(1);
  });

  it('refuses a small l for the I of an online all-capitals name, and a Greek lunate sigma for a c, as invalid', async () => {
    const online = await Promise.all(['MIKE', 'KID', 'cook', 'fun'].map((name) => chat.login(name)));
    const imitator = await chat.connect();
    const imitations = [
      'M\u006cKE', // small L
      '\u041c\u04c0\u041a\u0415', // all Cyrillic, with a palochka
      'K\u01c0D', // the click letter ǀ
      '\u03f2\u03bf\u03bf\u03ba', // all Greek: lunate sigma (NFKC σ), omicrons, kappa
      '\u017fun', // long s (NFKC s)
    ];
    for (const name of imitations) {
      imitator.send(`/nick ${name}`);
      expect((await imitator.error('INVALID_NICKNAME')).message).toMatch(/^Invalid nickname: a nickname must not have a letter that (passes for a capital "I"|looks like another letter)/);
      await expect(chat.connect({ nickname: name })).rejects.toEqual(new HandshakeRefused(400));
    }
    // The names they imitate are still taken, as themselves.
    imitator.send('/nick MIKE');
    await imitator.error('NICKNAME_TAKEN');
    imitator.send('/whoami');
    expect((await imitator.next('whoami')).nickname).toBeNull();
    for (const client of online) expect(client.received('login')).toHaveLength(1);
  });

  it('sends /join of a look-alike of the lobby to the lobby', async () => {
    const alice = await chat.login('alice');
    alice.send('/join games');
    expect(await alice.next('room')).toMatchObject({ room: 'games' });
    alice.send('/join \uff4c\uff4f\uff42\uff42\uff59');
    expect(await alice.next('room')).toMatchObject({ room: 'lobby' });
    alice.send('/join \uff27\uff21\uff2d\uff25\uff33');
    expect(await alice.next('room')).toMatchObject({ room: 'games' });
    alice.send(`/join ${'\ufdf2'.repeat(24)}`);
    expect((await alice.error('INVALID_ROOM')).message).toBe('Invalid room name: a room name has at most 24 characters (in compatibility form too).');
    alice.send('/join two words');
    const refused = await alice.error('INVALID_ROOM');
    expect(refused.message).toMatch(/^Invalid room name: a room name /);
    expect(refused.message).not.toMatch(/nickname/i);
  });
});
