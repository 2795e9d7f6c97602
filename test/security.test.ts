// No client can act as another: identity comes only from the connection id, private messages reach only
// target and sender, an ignoring user's choice holds, and no one learns another's connection id.
import { describe, expect, it } from 'vitest';
import { connectionIdOf, type ChatClient } from './support/client.ts';
import { useLocalChat } from './support/chat.ts';

const chat = useLocalChat({ env: { RATE_LIMIT_FRAMES: '1000' } });

describe('identity comes only from the connection id', () => {
  it('ignores from, nickname, connectionId and requestContext fields in a JSON frame', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const aliceId = await connectionIdOf(alice);
    const spoof = { from: 'alice', nickname: 'alice', connectionId: aliceId, requestContext: { connectionId: aliceId }, sender: 'alice' };

    bob.send(JSON.stringify({ action: 'message', text: 'I am alice', ...spoof }));
    for (const client of [alice, bob]) expect(await client.next('message')).toMatchObject({ from: 'bob', text: 'I am alice' });

    bob.send(JSON.stringify({ action: 'message', text: '@alice from whom?', ...spoof }));
    expect(await alice.next('private')).toMatchObject({ from: 'bob', to: 'alice' });

    bob.send(JSON.stringify({ action: 'message', text: '/i', ...spoof })); // toggles bob's flag, not alice's
    expect(await bob.next('ignore')).toMatchObject({ ignoring: true });
    bob.send(JSON.stringify({ action: 'message', text: '/i', ...spoof }));
    expect(await bob.next('ignore')).toMatchObject({ ignoring: false });

    bob.send(JSON.stringify({ action: 'message', text: '/whoami', ...spoof }));
    expect(await bob.next('whoami')).toMatchObject({ nickname: 'bob', connectionId: expect.not.stringMatching(aliceId) });

    bob.send(JSON.stringify({ action: 'message', text: '/nick robert', ...spoof })); // renames bob, not alice
    await alice.waitFor((event) => event.type === 'system' && event.text === 'bob is now robert', '"bob is now robert"');
    alice.send('/whoami');
    expect(await alice.next('whoami')).toMatchObject({ nickname: 'alice', connectionId: aliceId });
  });

  it('does not let a guest act as a logged-in user by naming it', async () => {
    const alice = await chat.login('alice');
    const aliceId = await connectionIdOf(alice);
    const guest = await chat.connect();
    guest.send(JSON.stringify({ action: 'message', text: 'hi', from: 'alice', nickname: 'alice', connectionId: aliceId }));
    await guest.error('NOT_LOGGED_IN');
    guest.send(JSON.stringify({ action: 'message', text: '@alice hi', connectionId: aliceId }));
    await guest.error('NOT_LOGGED_IN');
    await chat.settled(alice);
    expect(alice.received('message')).toEqual([]);
    expect(alice.received('private')).toEqual([]);
  });

  it('gives a new connection its own id whatever its query string says', async () => {
    const alice = await chat.login('alice');
    const aliceId = await connectionIdOf(alice);
    const copycat = await chat.connect({ connectionId: aliceId, nickname: 'copycat' });
    const copycatId = await connectionIdOf(copycat);
    expect(copycatId).not.toBe(aliceId);
    copycat.send('hello');
    expect(await alice.next('message')).toMatchObject({ from: 'copycat' });
  });
});

describe('private messages', () => {
  it('reach only the target and the sender: bystanders, ignoring or not, get nothing', async () => {
    const alice = await chat.login('alice');
    const bob = await chat.login('bob');
    const carol = await chat.login('carol');
    const dave = await chat.login('dave');
    dave.send('/i');
    await dave.next('ignore');
    const guest = await chat.connect();

    alice.send('@bob for bob only');
    bob.send('@alice for alice only');
    dave.send('@bob from an ignoring user'); // ignoring users still send and receive privates
    const privateWith = (text: string) => (event: { type: string; text?: string }) => event.type === 'private' && event.text === text;
    await bob.waitFor(privateWith('for bob only'), 'the private from alice');
    await alice.waitFor(privateWith('for bob only'), "alice's own copy");
    await alice.waitFor(privateWith('for alice only'), 'the private from bob');
    await bob.waitFor(privateWith('from an ignoring user'), 'the private from dave');

    for (const bystander of [carol, guest]) {
      await chat.settled(bystander);
      expect(bystander.received('private')).toEqual([]);
    }
    const texts = async (client: ChatClient) => {
      await chat.settled(client);
      return client.received('private').map((event) => event.text).sort();
    };
    expect(await texts(dave)).toEqual(['from an ignoring user']);
    expect(await texts(alice)).toEqual(['for alice only', 'for bob only']);
    expect(await texts(bob)).toEqual(['for alice only', 'for bob only', 'from an ignoring user']);
  });

  it('honour an ignoring user: no broadcasts reach it, and it cannot broadcast', async () => {
    const alice = await chat.login('alice');
    const dave = await chat.login('dave');
    dave.send('/i');
    await dave.next('ignore');
    alice.send('to everyone');
    await alice.next('message');
    dave.send('from dave');
    await dave.error('IGNORING');
    await chat.settled(dave);
    expect(dave.received('message')).toEqual([]);
    await chat.settled(alice);
    expect(alice.received('message').map((event) => event.from)).toEqual(['alice']);
  });
});

describe('connection ids', () => {
  it('never appear in anything another user receives; /whoami shows only your own', async () => {
    const names = ['alice', 'bob', 'carol'];
    const clients = await Promise.all(names.map((name) => chat.login(name)));
    const guest = await chat.connect();
    const everyone = [...clients, guest];
    const wires = everyone.map((client) => client.recordTexts());
    const ids = await Promise.all(everyone.map(connectionIdOf));
    const [alice, bob, carol] = clients as [ChatClient, ChatClient, ChatClient];

    // A session touching every kind of event: broadcasts, privates, lists, renames, ignore, errors, leaving.
    alice.send('hello all');
    bob.send('@carol hi carol');
    carol.send('/ls');
    bob.send('/nick bobby');
    carol.send('/i');
    carol.send('/i');
    alice.send('@nobody hi');
    guest.send('/help');
    guest.send('hi'); // NOT_LOGGED_IN
    bob.send('{"action":"message","text":7}');
    alice.send('/rooms');
    for (const client of everyone) client.send('/whoami');
    await Promise.all(everyone.map((client) => client.next('whoami')));
    await carol.close();
    await alice.waitFor((event) => event.type === 'system' && event.text === 'carol left', '"carol left"');
    await chat.settled(alice, bob, guest); // every frame of the session has reached every wire checked below

    everyone.forEach((_client, index) => {
      const others = ids.filter((_id, other) => other !== index);
      for (const frame of wires[index] ?? []) for (const id of others) expect(frame).not.toContain(id);
    });
    for (const [index, client] of everyone.entries()) {
      for (const whoami of client.received('whoami')) expect(whoami.connectionId).toBe(ids[index]);
    }
    expect(wires.flat().length).toBeGreaterThan(20);
  });
});
