// After something hostile: does the chat still serve everyone else, and is their state untouched?
import { expect } from 'vitest';
import type { ServerEvent } from '../../functions/core/events.ts';
import type { ChatHarness } from './chat.ts';
import type { ChatClient } from './client.ts';

let honestPairs = 0;

/**
 * Two new users log in, chat in public and in private, and each gets exactly what it should; returns them.
 * Nothing else may reach them first, so call it once the hostile senders are done (`settled()`), or name
 * in `busy` the senders still at it on purpose, whose broadcasts may then arrive in between (and only theirs).
 */
export async function expectStillServing(chat: ChatHarness, busy: readonly string[] = []): Promise<[ChatClient, ChatClient]> {
  honestPairs += 1;
  const [first, second] = [`honest${honestPairs}a`, `honest${honestPairs}b`];
  const notBusy = (type: 'message' | 'private') => (event: ServerEvent) =>
    (event.type === 'message' || event.type === 'private') && event.type === type && !busy.includes(event.from);
  const a = await chat.login(first);
  const b = await chat.login(second);
  a.send(`hello from ${first}`);
  for (const client of [a, b]) {
    expect(await client.waitFor(notBusy('message'), `the hello from ${first}`)).toMatchObject({ type: 'message', from: first, text: `hello from ${first}` });
  }
  b.send(`@${first} psst`);
  expect(await a.waitFor(notBusy('private'), 'the private')).toMatchObject({ type: 'private', from: second, to: first, text: 'psst' });
  expect(await b.waitFor(notBusy('private'), "the private's copy")).toMatchObject({ type: 'private', from: second, to: first, text: 'psst' });
  return [a, b];
}

export interface Snapshot {
  users: string[];
  whoami: Extract<ServerEvent, { type: 'whoami' }>;
}

/** What a bystander sees of its own state and of the room. */
export async function snapshotOf(bystander: ChatClient): Promise<Snapshot> {
  bystander.send('/ls');
  const { users } = await bystander.next('users');
  bystander.send('/whoami');
  const whoami = await bystander.next('whoami');
  return { users, whoami: { ...whoami, at: '' } };
}

/** The bystander's view is as before, and its name is still its own (a newcomer cannot take it). */
export async function expectUnchanged(chat: ChatHarness, bystander: ChatClient, before: Snapshot): Promise<void> {
  expect(await snapshotOf(bystander)).toEqual(before);
  const nickname = before.whoami.nickname;
  if (nickname === null) return;
  const newcomer = await chat.connect();
  newcomer.send(`/nick ${nickname}`);
  await newcomer.error('NICKNAME_TAKEN');
  await newcomer.close();
}
