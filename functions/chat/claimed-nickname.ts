// NICKNAME_FROM_CLAIM: a signed-in connection may log in (`?nickname=` or `/nick`) only as the display
// name its authorizer vouched for (`requestContext.authorizer.name`, on every event of the connection),
// compared by the same look-alike key as any two nicknames, so nobody can pose as another signed-in
// user. Connections without a name (no authorizer, the shared token) choose freely, as before.
import { chatError, type ChatError } from '../core/events.ts';
import { parseNickname } from '../core/nickname.ts';
import type { WebSocketEvent } from '../websocket-event.ts';

/** Why this connection may not take the nickname with `key`, or null when it may. */
export function claimedNicknameError(event: WebSocketEvent, key: string): ChatError | null {
  const claimed = event.requestContext.authorizer?.name;
  if (typeof claimed !== 'string' || claimed === '') return null;
  const own = parseNickname(claimed);
  if (!own.ok) return chatError('INVALID_NICKNAME', 'Your sign-in name is not a valid nickname, and this chat allows only that one: ask the administrator.');
  if (own.key === key) return null;
  return chatError('INVALID_NICKNAME', `You are signed in as "${own.nickname}": that is the only nickname you may use here.`);
}
