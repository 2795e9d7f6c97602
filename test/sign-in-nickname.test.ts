// NICKNAME_FROM_CLAIM=true: a signed-in user logs in only as the name their token carries (the
// authorizer's `name`, which reaches every route as requestContext.authorizer), by `?nickname=` or
// `/nick`, spelt as the claim spells it; any other name is refused, so nobody can pose as another. Real issuer on loopback, the real authorizer and chat under the local gateway.
import { describe, expect, it } from 'vitest';
import { useClaimNamedChat } from './support/claim-named-chat.ts';
import { HandshakeRefused } from './support/client.ts';
import { partitionKeys } from './support/table.ts';

const { chat, tokenWith } = await useClaimNamedChat();
const tokenFor = (sub: string, username?: string) => tokenWith(sub, username ? { preferred_username: username } : {});

describe('the nickname bound to the sign-in claim', () => {
  it('logs a user in as their own name, by ?nickname= or /nick, spelt as the claim spells it', async () => {
    const ada = await chat.connect({ token: await tokenFor('u-1', 'ada'), nickname: 'ada' });
    ada.send('/whoami');
    expect((await ada.next('whoami')).nickname).toBe('ada');
    ada.send('/nick Ada'); // another case is another look (`AI` for `ai` would pass for `Al`)
    expect((await ada.error('INVALID_NICKNAME')).message).toBe('You are signed in as "ada": that is the only nickname you may use here.');
    ada.send('/nick ada');
    expect((await ada.next('login')).nickname).toBe('ada');
  });

  it('refuses anyone else’s name: 403 on ?nickname= (writing nothing), INVALID_NICKNAME on /nick', async () => {
    const before = (await partitionKeys(chat.chat.dynamodbEndpoint, chat.chat.tableName)).length;
    await expect(chat.connect({ token: await tokenFor('u-2', 'bob'), nickname: 'ada' })).rejects.toEqual(new HandshakeRefused(403));
    expect((await partitionKeys(chat.chat.dynamodbEndpoint, chat.chat.tableName)).length).toBe(before);

    const bob = await chat.connect({ token: await tokenFor('u-2', 'bob') });
    bob.send('/nick ada');
    expect((await bob.error('INVALID_NICKNAME')).message).toBe('You are signed in as "bob": that is the only nickname you may use here.');
    bob.send('/nick bob');
    expect((await bob.next('login')).nickname).toBe('bob');
  });

  it('uses the sub when the token has no name claim', async () => {
    const anon = await chat.connect({ token: await tokenFor('user-7') });
    anon.send('/nick someone');
    await anon.error('INVALID_NICKNAME');
    anon.send('/nick user-7');
    expect((await anon.next('login')).nickname).toBe('user-7');
  });
});
