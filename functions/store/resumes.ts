// Resume records (`RESUME#<nickname key>`): the hash of the nickname's current resume token (never the
// token), which connection uses the name (under NICKNAME_FROM_CLAIM also its account), where its user
// was (room, ignore flag), and, once its socket went away, since when and whether its leave was
// announced. Every write is conditional, so a resume and the deferred leave of the same user agree on
// whether the room heard "left".
import { PARTITION_KEY, TTL_ATTRIBUTE } from '../table.ts';
import { resumeKey } from './keys.ts';
import { deleteItem, getItem, putItem, updateItem, type Item, type StoreRequests } from './requests.ts';
import type { ChatStore, ResumeRecord } from './types.ts';

type ResumeStore = Pick<
  ChatStore,
  'issueResume' | 'getResume' | 'rotateResume' | 'updateResumePlace' | 'markAway' | 'wasResumedFrom' | 'claimLeftAnnouncement' | 'dropResume'
>;

export function resumeItems({ TableName, send, conditional }: StoreRequests): ResumeStore {
  const mine = { ConditionExpression: 'connectionId = :me' };

  return {
    async issueResume(key, record) {
      const written = await conditional(
        putItem({
          TableName,
          Item: {
            ...resumeKey(key),
            nickname: record.nickname,
            tokenHash: record.tokenHash,
            connectionId: record.connectionId,
            session: record.session,
            loginSeq: record.loginSeq,
            room: record.room,
            ignoring: record.ignoring,
            ...(record.sub === null ? {} : { sub: record.sub }),
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
      const { Item } = await send(getItem({ TableName, Key: resumeKey(key), ConsistentRead: true }));
      return Item ? toResume(Item) : null;
    },

    async rotateResume(key, fromHash, to) {
      const output = await conditional(
        updateItem({
          TableName,
          Key: resumeKey(key),
          // `resumedFrom` tells the $disconnect of the connection it took the name from to leave silently.
          // The account is the new connection's: none without NICKNAME_FROM_CLAIM.
          UpdateExpression: `SET tokenHash = :to, connectionId = :me, loginSeq = :seq, resumedFrom = :previous, #ttl = :expires${to.sub === null ? '' : ', #sub = :sub'} REMOVE awayFrom, awayAt${to.sub === null ? ', #sub' : ''}`,
          // Two resumes with one token: the first to rotate it wins, the other finds the hash changed.
          ConditionExpression: 'tokenHash = :from AND #ttl > :now',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE, '#sub': 'sub' },
          ExpressionAttributeValues: {
            ...(to.sub === null ? {} : { ':sub': to.sub }),
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
        updateItem({
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
        updateItem({
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
        updateItem({
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
      // Only while the record still says this connection went away and nothing since: a resume (even a
      // second one, from a connection that resumed from it) removes `awayFrom`, a rename drops the record,
      // and someone else's login replaces it (their "joined" stands; a "left" would contradict it).
      const claimed = await conditional(
        updateItem({
          TableName,
          Key: resumeKey(key),
          UpdateExpression: 'SET leftAnnounced = :from',
          ConditionExpression: 'awayFrom = :from AND (attribute_not_exists(leftAnnounced) OR leftAnnounced <> :from)',
          ExpressionAttributeValues: { ':from': awayFrom },
        }),
      );
      return claimed !== undefined;
    },

    async dropResume(key, connectionId) {
      await conditional(deleteItem({ TableName, Key: resumeKey(key), ...mine, ExpressionAttributeValues: { ':me': connectionId } }));
    },
  };
}

function toResume(item: Item): ResumeRecord {
  const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
  return {
    nickname: String(item.nickname),
    tokenHash: String(item.tokenHash),
    connectionId: text(item.connectionId),
    session: String(item.session ?? ''),
    loginSeq: Number(item.loginSeq ?? 0),
    room: String(item.room),
    ignoring: item.ignoring === true,
    expiresAt: Number(item[TTL_ATTRIBUTE]),
    awayFrom: text(item.awayFrom),
    awayAt: typeof item.awayAt === 'number' ? item.awayAt : null,
    resumedFrom: text(item.resumedFrom),
    leftAnnounced: text(item.leftAnnounced),
    sub: text(item.sub),
  };
}
