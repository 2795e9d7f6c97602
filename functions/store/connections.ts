// Connection items (`CONN#<id>`): created at $connect, read with every frame, named by logins, moved
// between rooms (their `room` and `nicknameKey` put them in the members index), deleted at $disconnect.
import { MEMBERS_INDEX_PARTITION_KEY, MEMBERS_INDEX_SORT_KEY, PARTITION_KEY, TTL_ATTRIBUTE } from '../table.ts';
import { isEventFormat } from '../core/text-format.ts';
import { connectionKey, expiryFor } from './keys.ts';
import { deleteItem, getItem, putItem, updateItem, type StoreRequests } from './requests.ts';
import type { ChatStore, ConnectionRecord } from './types.ts';

type ConnectionStore = Pick<
  ChatStore,
  'createConnection' | 'getConnection' | 'deleteConnection' | 'beginLogin' | 'setNickname' | 'setIgnoring' | 'moveToRoom'
>;

export function connectionItems({ TableName, send, conditional }: StoreRequests): ConnectionStore {
  async function getConnection(connectionId: string): Promise<ConnectionRecord | null> {
    const { Item } = await send(getItem({ TableName, Key: connectionKey(connectionId), ConsistentRead: true }));
    return Item ? toConnection(Item) : null;
  }

  return {
    getConnection,

    async createConnection(connectionId, connectedAt, format = 'json') {
      // JSON is the default and stored as nothing: only text connections carry the attribute.
      const formatted = format === 'json' ? {} : { format };
      await conditional(
        putItem({
          TableName,
          Item: { ...connectionKey(connectionId), connectionId, connectedAt, ignoring: false, ...formatted, [TTL_ATTRIBUTE]: expiryFor(connectedAt) },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        }),
      );
    },

    async deleteConnection(connectionId, connectedBefore) {
      const condition =
        connectedBefore === undefined
          ? {}
          : { ConditionExpression: 'connectedAt < :before', ExpressionAttributeValues: { ':before': connectedBefore } };
      const output = await conditional(deleteItem({ TableName, Key: connectionKey(connectionId), ReturnValues: 'ALL_OLD', ...condition }));
      return output?.Attributes ? toConnection(output.Attributes) : null;
    },

    async beginLogin(connectionId) {
      const output = await conditional(
        updateItem({
          TableName,
          Key: connectionKey(connectionId),
          UpdateExpression: 'ADD loginSeq :one',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return output?.Attributes ? Number(output.Attributes.loginSeq) : null;
    },

    async setNickname(connectionId, nickname, key, room, loginSeq, extra) {
      const flag = extra.ignoring === undefined ? { set: '', values: {} } : { set: ', ignoring = :ignoring', values: { ':ignoring': extra.ignoring } };
      const output = await conditional(
        updateItem({
          TableName,
          Key: connectionKey(connectionId),
          // A rename keeps the room; a first login joins `room`.
          UpdateExpression: `SET nickname = :nickname, #key = :key, #room = if_not_exists(#room, :room), nameSeq = :seq, #session = if_not_exists(#session, :session)${flag.set}`,
          // The name of a newer login stands: an older one finishing late must not undo it.
          ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(nameSeq) OR nameSeq < :seq)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#key': MEMBERS_INDEX_SORT_KEY, '#room': MEMBERS_INDEX_PARTITION_KEY, '#session': 'session' },
          ExpressionAttributeValues: { ':nickname': nickname, ':key': key, ':room': room, ':seq': loginSeq, ':session': extra.session, ...flag.values },
          ReturnValues: 'ALL_OLD',
        }),
      );
      if (output?.Attributes) return { status: 'set', previous: toConnection(output.Attributes) };
      return (await getConnection(connectionId)) ? { status: 'superseded' } : { status: 'missing' };
    },

    async setIgnoring(connectionId, from) {
      const flipped = await conditional(
        updateItem({
          TableName,
          Key: connectionKey(connectionId),
          UpdateExpression: 'SET ignoring = :to',
          ConditionExpression: 'ignoring = :from',
          ExpressionAttributeValues: { ':from': from, ':to': !from },
        }),
      );
      if (flipped) return !from;
      const current = await getConnection(connectionId);
      return current?.ignoring ?? from;
    },

    async moveToRoom(connectionId, room) {
      const output = await conditional(
        updateItem({
          TableName,
          Key: connectionKey(connectionId),
          UpdateExpression: 'SET #room = :room',
          ConditionExpression: 'attribute_exists(#room)',
          ExpressionAttributeNames: { '#room': MEMBERS_INDEX_PARTITION_KEY },
          ExpressionAttributeValues: { ':room': room },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return output?.Attributes ? toConnection(output.Attributes) : null;
    },
  };
}

export function toConnection(item: Record<string, unknown>): ConnectionRecord {
  const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
  return {
    connectionId: String(item.connectionId),
    connectedAt: Number(item.connectedAt),
    nickname: text(item.nickname),
    nicknameKey: text(item[MEMBERS_INDEX_SORT_KEY]),
    ignoring: item.ignoring === true,
    room: text(item[MEMBERS_INDEX_PARTITION_KEY]),
    expiresAt: Number(item[TTL_ATTRIBUTE]),
    lastMessageId: text(item.lastMessageId),
    frameSeq: typeof item.frameSeq === 'number' ? item.frameSeq : 0,
    format: isEventFormat(item.format) ? item.format : 'json',
    session: text(item.session),
  };
}
