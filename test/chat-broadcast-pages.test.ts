// A broadcast reads its recipients a short page first, then pages that grow, and posts each page while
// the next one is read (functions/chat/delivery.ts, store `recipients`). Whatever the pages, what a
// client sees must stay as the README's delivery contract says: each member gets the event once, and
// nothing is read or posted for an event that could not be numbered.
import { describe, expect, it } from 'vitest';
import { FIRST_PAGE } from '../functions/chat/delivery.ts';
import { createStore, type ChatStore } from '../functions/store.ts';
import { localStoreDynamoDb } from '../local/dynamodb.ts';
import { useLocalChat } from './support/chat.ts';
import { connectionIdOf, type ChatClient } from './support/client.ts';
import { directChat, messageEvent } from './support/lambda.ts';

const harness = useLocalChat({ env: { RATE_LIMIT_FRAMES: '0' } });
const json = (text: string, id: string) => JSON.stringify({ action: 'message', text, id });

/** `store` with `recipients` noted (the first-page size asked, the sizes read) and any method replaced. */
function watched(store: ChatStore, replaced: Partial<ChatStore> = {}) {
  const reads: { firstPage: number | undefined; pages: number[] }[] = [];
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'recipients') {
        return (room: string, firstPage?: number) => {
          const read = { firstPage, pages: [] as number[] };
          reads.push(read);
          return (async function* () {
            for await (const page of target.recipients(room, firstPage)) {
              read.pages.push(page.length);
              yield page;
            }
          })();
        };
      }
      const own = Reflect.get(replaced, property);
      if (own !== undefined) return own;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (...args: unknown[]) => Reflect.apply(value, target, args) : value;
    },
  });
  return { store: wrapped, reads };
}

async function room(prefix: string, size: number): Promise<ChatClient[]> {
  const clients: ChatClient[] = [];
  for (let index = 0; index < size; index += 1) clients.push(await harness.login(`${prefix}${index}`));
  return clients;
}

describe('a broadcast read in pages', () => {
  it('reaches every member once when the room spans several pages, read while the earlier ones are posted', async () => {
    const clients = await room('paged', 7);
    await harness.settled(...clients);
    // Pages of at most 2 on the chat's own table: the read-ahead and every page after it.
    const small = createStore(localStoreDynamoDb(harness.chat.dynamodbEndpoint), { tableName: harness.chat.tableName, membersPageSize: 2 });
    const { store, reads } = watched(small);
    const chat = directChat({ store, callbackUrl: harness.chat.callbackUrl });
    const [sender] = clients as [ChatClient];
    await chat.message(messageEvent(await connectionIdOf(sender), 'to every page'));
    await harness.settled(...clients);
    for (const client of clients) expect(client.received('message').filter((m) => m.text === 'to every page')).toHaveLength(1);
    expect(reads).toEqual([{ firstPage: FIRST_PAGE, pages: [2, 2, 2, 1] }]);
  });

  it('reads and sends nothing when the numbering fails', async () => {
    const [sender, watcher] = (await room('unnumbered', 2)) as [ChatClient, ChatClient];
    const { store, reads } = watched(harness.store(), {
      nextSeq: async () => {
        throw new Error('ProvisionedThroughputExceededException (injected)');
      },
    });
    const chat = directChat({ store, callbackUrl: harness.chat.callbackUrl });
    await chat.message(messageEvent(await connectionIdOf(sender), json('never numbered', 'n-1')));
    await sender.error('INTERNAL_ERROR');
    await harness.settled(sender, watcher);
    expect(reads).toEqual([]);
    for (const client of [sender, watcher]) expect(client.received('message').filter((m) => m.text === 'never numbered')).toEqual([]);
  });
});
