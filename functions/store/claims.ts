// Nickname claims (`NICK#<key>`): the item whose existence makes a name taken. Every write is
// conditional on the holder (and on which of its logins made the claim), so no race can hand a name
// to two connections or free one in use.
import { PARTITION_KEY, TTL_ATTRIBUTE } from '../table.ts';
import { claimKey, expiryFor } from './keys.ts';
import { deleteItem, getItem, putItem, type StoreRequests } from './requests.ts';
import type { ChatStore, ClaimRecord } from './types.ts';

type ClaimStore = Pick<ChatStore, 'claimNickname' | 'takeOverClaim' | 'getClaim' | 'releaseClaim'>;

export function claimItems({ TableName, clock, send, conditional }: StoreRequests): ClaimStore {
  const claimItem = (key: string, nickname: string, connectionId: string, connectedAt: number, loginSeq: number) => ({
    ...claimKey(key),
    nickname,
    connectionId,
    claimedAt: clock(),
    loginSeq,
    [TTL_ATTRIBUTE]: expiryFor(connectedAt),
  });

  async function getClaim(key: string): Promise<ClaimRecord | null> {
    const { Item } = await send(getItem({ TableName, Key: claimKey(key), ConsistentRead: true }));
    return Item ? toClaim(key, Item) : null;
  }

  return {
    getClaim,

    async claimNickname(key, nickname, connectionId, connectedAt, loginSeq) {
      const claimed = await conditional(
        putItem({
          TableName,
          Item: claimItem(key, nickname, connectionId, connectedAt, loginSeq),
          // Re-stamping our own claim with an older login would let that login's clean-up delete it.
          ConditionExpression: 'attribute_not_exists(#pk) OR (connectionId = :me AND (attribute_not_exists(loginSeq) OR loginSeq <= :seq))',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
          ExpressionAttributeValues: { ':me': connectionId, ':seq': loginSeq },
        }),
      );
      if (claimed) return { claimed: true };
      // dynalite ignores ReturnValuesOnConditionCheckFailure, so read the holder back.
      const holder = await getClaim(key);
      return holder?.connectionId === connectionId ? { claimed: true } : { claimed: false, holder };
    },

    async takeOverClaim(previous, nickname, connectionId, connectedAt, loginSeq) {
      const replaced = await conditional(
        putItem({
          TableName,
          Item: claimItem(previous.key, nickname, connectionId, connectedAt, loginSeq),
          ConditionExpression: 'connectionId = :holder AND claimedAt = :claimedAt',
          ExpressionAttributeValues: { ':holder': previous.connectionId, ':claimedAt': previous.claimedAt },
        }),
      );
      return replaced !== undefined;
    },

    async releaseClaim(key, connectionId, release = { by: 'any' }) {
      const bySeq =
        release.by === 'any'
          ? { condition: '', values: {} }
          : release.by === 'older'
            ? { condition: ' AND (attribute_not_exists(loginSeq) OR loginSeq < :seq)', values: { ':seq': release.loginSeq } }
            : { condition: ' AND loginSeq = :seq', values: { ':seq': release.loginSeq } };
      const deleted = await conditional(
        deleteItem({
          TableName,
          Key: claimKey(key),
          ConditionExpression: `connectionId = :me${bySeq.condition}`,
          ExpressionAttributeValues: { ':me': connectionId, ...bySeq.values },
        }),
      );
      return deleted !== undefined;
    },
  };
}

function toClaim(key: string, item: Record<string, unknown>): ClaimRecord {
  return {
    key,
    nickname: String(item.nickname),
    connectionId: String(item.connectionId),
    claimedAt: Number(item.claimedAt),
    expiresAt: Number(item[TTL_ATTRIBUTE]),
    loginSeq: typeof item.loginSeq === 'number' ? item.loginSeq : 0,
  };
}
