// Resume tokens as clients see them: `<nickname key, base64url>.<secret, 32 random bytes base64url>`.
// The key part says whose record to read; only the secret's hash is stored, so the token is useless
// to anyone who did not receive it. Pure: the secret comes from the caller.

/** base64url of 32 bytes, unpadded. */
const SECRET = /^[A-Za-z0-9_-]{43}$/;
const KEY_PART = /^[A-Za-z0-9_-]{1,200}$/;
/** The shape of a token (a frame's `/resume` argument is refused unread unless it has it). */
export const RESUME_TOKEN_SHAPE = new RegExp(`^${KEY_PART.source.slice(1, -1)}\\.${SECRET.source.slice(1, -1)}$`);

export function formatResumeToken(nicknameKey: string, secret: string): string {
  return `${Buffer.from(nicknameKey, 'utf8').toString('base64url')}.${secret}`;
}

export function parseResumeToken(token: string): { nicknameKey: string; secret: string } | null {
  const [keyPart = '', secret = '', extra] = token.split('.');
  if (extra !== undefined || !KEY_PART.test(keyPart) || !SECRET.test(secret)) return null;
  const nicknameKey = Buffer.from(keyPart, 'base64url').toString('utf8');
  // Not a canonical encoding (or not UTF-8): not a token this server issued.
  if (Buffer.from(nicknameKey, 'utf8').toString('base64url') !== keyPart) return null;
  return { nicknameKey, secret };
}
