// Connections whose socket vanished without a $disconnect (API Gateway delivers it best-effort):
// the first 410 removes them, and their nickname does not stay locked.
import { describe, expect, it } from 'vitest';
import { handler as disconnect } from '../functions/handlers/disconnect.ts';
import { connectionIdOf } from './support/client.ts';
import { useLocalChat } from './support/chat.ts';
import { apiOf, disconnectEvent } from './support/lambda.ts';

// No grace: in this file every connection is past its $connect by the time it is used.
const chat = useLocalChat({ env: { CONNECT_GRACE_MS: '0', CLAIM_SETTLE_MS: '0' } });

describe('a connection whose $disconnect never came', () => {
  it('is removed on the first 410 of a broadcast, announced as left, and its name freed', async () => {
    const ghost = await chat.login('ghost');
    const alice = await chat.login('alice');
    chat.chat.gateway.dropConnection(await connectionIdOf(ghost));
    alice.send('anyone there?');
    await alice.next('message');
    expect((await alice.next('system')).text).toBe('ghost left');
    alice.send('/ls');
    expect((await alice.next('users')).users).toEqual(['alice']);
    await chat.login('ghost');
  });

  it('does not keep its nickname locked: the next claim finds the socket gone and takes the name', async () => {
    const ghost = await chat.login('phantom');
    const alice = await chat.login('alice');
    chat.chat.gateway.dropConnection(await connectionIdOf(ghost));
    const newcomer = await chat.connect();
    newcomer.send('/nick Phantom');
    expect((await newcomer.next('login')).nickname).toBe('Phantom');
    expect((await alice.next('system')).text).toBe('phantom left');
    expect((await alice.next('system')).text).toBe('Phantom joined');
  });

  it('answers NO_SUCH_USER to a private message for it, and removes it', async () => {
    const ghost = await chat.login('spook');
    const alice = await chat.login('alice');
    chat.chat.gateway.dropConnection(await connectionIdOf(ghost));
    alice.send('@spook are you there');
    await alice.error('NO_SUCH_USER');
    alice.send('/ls');
    expect((await alice.next('users')).users).toEqual(['alice']);
  });
});

describe('a crash between the writes of a login or rename', () => {
  it('leaves a claim whose holder never took the name: the next claimant takes it over', async () => {
    const alice = await chat.login('alice');
    // The claim write of "/nick orphan" succeeded, the connection update never ran (the Lambda died).
    expect((await chat.store().claimNickname('orphan', 'orphan', await connectionIdOf(alice), Date.now(), 2)).claimed).toBe(true);
    const bob = await chat.connect();
    bob.send('/nick Orphan');
    expect((await bob.next('login')).nickname).toBe('Orphan');
    alice.send('/whoami');
    expect((await alice.next('whoami')).nickname).toBe('alice'); // the crashed rename changed nothing
  });

  it('leaves a claim of a connection that is gone altogether: taken over at once', async () => {
    expect((await chat.store().claimNickname('lost', 'lost', 'no-such-connection=', Date.now(), 1)).claimed).toBe(true);
    const carol = await chat.connect();
    carol.send('/nick lost');
    expect((await carol.next('login')).nickname).toBe('lost');
  });
});

describe('a repeated $disconnect (Lambda retry)', () => {
  it('announces the leave once', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const event = disconnectEvent(await connectionIdOf(bob), apiOf(chat.chat.callbackUrl));
    expect(await disconnect(event)).toEqual({ statusCode: 200 });
    expect(await disconnect(event)).toEqual({ statusCode: 200 });
    alice.send('/ls');
    expect((await alice.next('users')).users).toEqual(['alice']);
    expect(alice.received('system').filter((e) => e.text === 'bob left')).toHaveLength(1);
  });
});
