// The random half of a resume token, and the hash that is all the store keeps of it.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { formatResumeToken } from '../core/resume-token.ts';

export interface IssuedToken {
  /** Given to the client in its `login` event, never stored. */
  token: string;
  tokenHash: string;
}

export function issueToken(nicknameKey: string): IssuedToken {
  const secret = randomBytes(32).toString('base64url');
  return { token: formatResumeToken(nicknameKey, secret), tokenHash: hashSecret(secret) };
}

/** A user's session id (ConnectionRecord.session): random, so no later holder of the name shares it. */
export function newSession(): string {
  return randomBytes(16).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** Constant-time comparison of a presented secret with the stored hash. */
export function secretMatches(secret: string, tokenHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret));
  const stored = Buffer.from(tokenHash);
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
