// Nickname owners (`OWNER#<nickname key>`), under NICKNAME_FROM_CLAIM: the account (authorizer `sub`)
// a look-alike key is bound to, so that another account whose sign-in name shares the key (all-Cyrillic
// `аӏісе` beside `alice`, or a name the IdP gave to someone else) cannot take it while its owner is away.
// Outlives connections and claims; refreshed by every login and resume of its owner.
import { PARTITION_KEY, TTL_ATTRIBUTE } from '../table.ts';
import { ownerKey } from './keys.ts';
import { getItem, putItem, type Item, type StoreRequests } from './requests.ts';
import type { ChatStore, NicknameOwner } from './types.ts';

type OwnerStore = Pick<ChatStore, 'bindNickname' | 'getNicknameOwner'>;

export function ownerItems({ TableName, send, conditional }: StoreRequests): OwnerStore {
  return {
    async bindNickname(key, owner) {
      const written = await conditional(
        putItem({
          TableName,
          Item: { ...ownerKey(key), sub: owner.sub, nickname: owner.nickname, boundAt: owner.now, [TTL_ATTRIBUTE]: owner.expiresAt },
          // DynamoDB deletes an expired item only eventually (within days): until then it binds nobody.
          ConditionExpression: 'attribute_not_exists(#pk) OR #sub = :sub OR #ttl < :now',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sub': 'sub', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':sub': owner.sub, ':now': Math.floor(owner.now / 1000) },
        }),
      );
      return written !== undefined;
    },

    async getNicknameOwner(key) {
      const { Item } = await send(getItem({ TableName, Key: ownerKey(key), ConsistentRead: true }));
      return Item ? toOwner(key, Item) : null;
    },
  };
}

function toOwner(key: string, item: Item): NicknameOwner {
  return {
    key,
    sub: String(item.sub),
    nickname: String(item.nickname),
    boundAt: Number(item.boundAt),
    expiresAt: Number(item[TTL_ATTRIBUTE]),
  };
}
