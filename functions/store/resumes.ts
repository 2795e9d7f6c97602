// Resume records (`RESUME#<nickname key>`): the hash of the nickname's current resume token (never the
// token), which connection uses the name, where its user was (room, ignore flag), and, once its socket
// went away, since when and whether its leave was announced. Every write is conditional, so a resume
// and the deferred leave of the same user agree on whether the room heard "left".
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PARTITION_KEY, TTL_ATTRIBUTE } from '../table.ts';
import { resumeKey } from './keys.ts';
import type { Item, StoreRequests } from './requests.ts';
import type { ChatStore, ResumeRecord } from './types.ts';

type ResumeStore = Pick<
  ChatStore,
  'issueResume' | 'getResume' | 'rotateResume' | 'updateResumePlace' | 'markAway' | 'wasResumedFrom' | 'claimLeftAnnouncement' | 'dropResume'
>;

export function resumeItems({ TableName, clock, send, conditional }: StoreRequests): ResumeStore {
  const mine = { ConditionExpression: 'connectionId = :me' };

  return {
    async issueResume(key, record) {
      const written = await conditional(
        new PutCommand({
          TableName,
          Item: {
            ...resumeKey(key),
            nickname: record.nickname,
            tokenHash: record.tokenHash,
            connectionId: record.connectionId,
            loginSeq: record.loginSeq,
            room: record.room,
            ignoring: record.ignoring,
            [TTL_ATTRIBUTE]: record.expiresAt,
          },
          // A newer login of the same connection issued a token already: its token is the one that counts.
          ConditionExpression: 'attribute_not_exists(#pk) OR connectionId <> :me OR loginSeq < :seq',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
          ExpressionAttributeValues: { ':me': record.connectionId, ':seq': record.loginSeq },
        }),
      );
      return written !== undefined;
    },

    async getResume(key) {
      const { Item } = await send(new GetCommand({ TableName, Key: resumeKey(key), ConsistentRead: true }));
      return Item ? toResume(Item) : null;
    },

    async rotateResume(key, fromHash, to) {
      const output = await conditional(
        new UpdateCommand({
          TableName,
          Key: resumeKey(key),
          // `resumedFrom` tells the deferred leave of the connection that went away that its user is back.
          UpdateExpression:
            'SET tokenHash = :to, connectionId = :me, loginSeq = :seq, resumedFrom = :previous, #ttl = :expires REMOVE awayFrom, awayAt',
          // Two resumes with one token: the first to rotate it wins, the other finds the hash changed.
          ConditionExpression: 'tokenHash = :from AND #ttl > :now',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':from': fromHash,
            ':to': to.tokenHash,
            ':me': to.connectionId,
            ':seq': to.loginSeq,
            ':previous': to.resumedFrom ?? '',
            ':expires': to.expiresAt,
            ':now': Math.floor(to.now / 1000),
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return output?.Attributes ? toResume(output.Attributes) : null;
    },

    async updateResumePlace(key, connectionId, place) {
      await conditional(
        new UpdateCommand({
          TableName,
          Key: resumeKey(key),
          UpdateExpression: 'SET #room = :room, ignoring = :ignoring',
          ...mine,
          ExpressionAttributeNames: { '#room': 'room' },
          ExpressionAttributeValues: { ':me': connectionId, ':room': place.room, ':ignoring': place.ignoring },
        }),
      );
    },

    async markAway(key, connectionId, away) {
      const marked = await conditional(
        new UpdateCommand({
          TableName,
          Key: resumeKey(key),
          UpdateExpression: `SET awayFrom = :me, awayAt = :at, #room = :room, ignoring = :ignoring${away.leftAnnounced ? ', leftAnnounced = :me' : ''} REMOVE connectionId`,
          ...mine,
          ExpressionAttributeNames: { '#room': 'room' },
          ExpressionAttributeValues: { ':me': connectionId, ':at': away.at, ':room': away.room, ':ignoring': away.ignoring },
        }),
      );
      return marked !== undefined;
    },

    async wasResumedFrom(key, connectionId) {
      // Writes the value it checks: the least-privileged $disconnect may update but not read.
      const matched = await conditional(
        new UpdateCommand({
          TableName,
          Key: resumeKey(key),
          UpdateExpression: 'SET resumedFrom = :me',
          ConditionExpression: 'resumedFrom = :me',
          ExpressionAttributeValues: { ':me': connectionId },
        }),
      );
      return matched !== undefined;
    },

    async claimLeftAnnouncement(key, awayFrom) {
      // Unless the user resumed from that connection meanwhile, or it was announced. A record gone (the
      // name taken by someone else, who wrote their own) leaves the leave to announce: the write then
      // leaves a marker that expires soon, so the $disconnect role needs no read grant.
      const claimed = await conditional(
        new UpdateCommand({
          TableName,
          Key: resumeKey(key),
          UpdateExpression: 'SET leftAnnounced = :from, #ttl = if_not_exists(#ttl, :soon)',
          ConditionExpression:
            'attribute_not_exists(#pk) OR ((attribute_not_exists(resumedFrom) OR resumedFrom <> :from) AND (attribute_not_exists(leftAnnounced) OR leftAnnounced <> :from))',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':from': awayFrom, ':soon': Math.floor(clock() / 1000) + 60 },
        }),
      );
      return claimed !== undefined;
    },

    async dropResume(key, connectionId) {
      await conditional(new DeleteCommand({ TableName, Key: resumeKey(key), ...mine, ExpressionAttributeValues: { ':me': connectionId } }));
    },
  };
}

function toResume(item: Item): ResumeRecord {
  const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
  return {
    nickname: String(item.nickname),
    tokenHash: String(item.tokenHash),
    connectionId: text(item.connectionId),
    loginSeq: Number(item.loginSeq ?? 0),
    room: String(item.room),
    ignoring: item.ignoring === true,
    expiresAt: Number(item[TTL_ATTRIBUTE]),
    awayFrom: text(item.awayFrom),
    awayAt: typeof item.awayAt === 'number' ? item.awayAt : null,
    resumedFrom: text(item.resumedFrom),
    leftAnnounced: text(item.leftAnnounced),
  };
}
