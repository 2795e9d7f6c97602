// NICKNAME_FROM_CLAIM: a signed-in connection may log in (`?nickname=`, `/nick`, `/resume`, `?resume=`)
// only as the display name its authorizer vouched for (`requestContext.authorizer.name`, on every event
// of the connection), exactly as the claim spells it (NFC): not another spelling with the same look-alike
// key (all-Cyrillic `аӏісе` for `alice`, which the IdP holds as another user), and not another case
// either (`AI` for the claim `ai` would pass for `Al`). A claim that is itself a whole-script imitation
// of a Latin name (`сосо`) is refused: first come would let it pose as `coco`. On top, the key is bound
// to the account (`sub`) that used it (ownerBinder, store/owners.ts), so a look-alike or reassigned name
// of another account is refused too.
// Connections without a name (no authorizer, the shared token) choose freely, as before.
import { chatError, type ChatError } from '../core/events.ts';
import { imitatedLatin, parseNickname } from '../core/nickname.ts';
import type { WebSocketEvent } from '../websocket-event.ts';
import type { ChatContext } from './context.ts';

/** Who the `$connect` authorizer vouched for: the account and the name it may log in as. */
export interface SignedIn {
  readonly sub: string;
  readonly name: string;
}

/** The connection's account, when it has one with a name (never for the shared token, whose name is empty). */
export function signedInOf(event: WebSocketEvent): SignedIn | null {
  const authorizer = event.requestContext.authorizer;
  const field = (name: string): unknown => (authorizer && Object.hasOwn(authorizer, name) ? authorizer[name] : undefined);
  const sub = field('sub');
  const name = field('name');
  return typeof sub === 'string' && sub !== '' && typeof name === 'string' && name !== '' ? { sub, name } : null;
}

/** The one nickname the account may use, or why its name is none. */
function ownNickname(signedIn: SignedIn): { ok: true; nickname: string; key: string } | { ok: false; error: ChatError } {
  const own = parseNickname(signedIn.name);
  if (!own.ok) {
    return { ok: false, error: chatError('INVALID_NICKNAME', 'Your sign-in name is not a valid nickname, and this chat allows only that one: ask the administrator.') };
  }
  const latin = imitatedLatin(own.nickname);
  if (latin === null) return own;
  const message = `Your sign-in name "${own.nickname}" looks exactly like "${latin}", so this chat cannot show it without letting one pass for the other: ask the administrator.`;
  return { ok: false, error: chatError('INVALID_NICKNAME', message) };
}

const onlyYours = (nickname: string) => chatError('INVALID_NICKNAME', `You are signed in as "${nickname}": that is the only nickname you may use here.`);

/** Why the account may not log in as `nickname` (NFC, as parsed), or null when it may. */
export function claimedNicknameError(signedIn: SignedIn, nickname: string): ChatError | null {
  const own = ownNickname(signedIn);
  if (!own.ok) return own.error;
  return own.nickname === nickname ? null : onlyYours(own.nickname);
}

/**
 * Why the account may not take the nickname with `key`, or null when its own name has that key: the
 * check before reading anything, for a resume token, which names only the key (the spelling and the
 * account are checked against the token's record).
 */
export function claimedKeyError(signedIn: SignedIn, key: string): ChatError | null {
  const own = ownNickname(signedIn);
  if (!own.ok) return own.error;
  return own.key === key ? null : onlyYours(own.nickname);
}

/** A binding (store/owners.ts) refused the name: another account used it, or a look-alike of it. */
export function ownedElsewhere(nickname: string): ChatError {
  return chatError(
    'NICKNAME_TAKEN',
    `The nickname "${nickname}" (or one that looks like it) belongs to another account here. If it is yours, ask the administrator to free it.`,
  );
}

/**
 * Binds (or refreshes) `key` to the account for NICKNAME_OWNER_TTL_SECONDS from now; false, logged with
 * the key an administrator would free (docs/deploy.md, "Nicknames from the sign-in"), when another account holds it.
 */
export function ownerBinder({ store, clock, log, nicknameOwnerTtlSeconds }: ChatContext) {
  return async (key: string, nickname: string, owner: SignedIn, connectionId: string): Promise<boolean> => {
    const now = clock();
    const bound = await store.bindNickname(key, { sub: owner.sub, nickname, now, expiresAt: Math.floor(now / 1000) + nicknameOwnerTtlSeconds });
    if (!bound) log.info('nickname owned by another account', { connectionId, key });
    return bound;
  };
}
