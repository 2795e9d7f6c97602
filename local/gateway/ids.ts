// Identifiers shaped like API Gateway's, so code that parses, logs or length-checks them sees what it
// will see in AWS: connection, request and message ids are 11 random bytes in URL-safe base64 plus one
// '=' (e.g. `R1kmxc2VNjMCFIA=`, `JC1dgf9yoAMCK-g=`); API ids are 10 lowercase letters and digits.
import { randomBytes, randomInt } from 'node:crypto';

export function awsStyleId(): string {
  return `${randomBytes(11).toString('base64url')}=`;
}

/**
 * Whether `id` has the shape of an API Gateway connection id (16 characters of URL-safe base64 and
 * '='), so @connections can answer a malformed one with 400 BadRequestException, as AWS does, rather
 * than 410. Deliberately looser than awsStyleId's output ('=' allowed anywhere): AWS documents no exact
 * rule, and refusing an id AWS would accept would be worse than accepting one it would refuse.
 */
export function isConnectionIdShape(id: string): boolean {
  return /^[A-Za-z0-9_=-]{16}$/.test(id);
}

const API_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function randomApiId(): string {
  let id = '';
  for (let i = 0; i < 10; i++) id += API_ID_ALPHABET[randomInt(API_ID_ALPHABET.length)];
  return id;
}

/** X-Amzn-Trace-Id value: `Root=1-{epoch seconds hex}-{24 hex}`. */
export function traceId(now: number): string {
  return `Root=1-${Math.floor(now / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}
