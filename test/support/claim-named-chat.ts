// The local chat with sign-in naming users (CONNECT_AUTH=jwt against a real OIDC issuer on loopback) and
// NICKNAME_FROM_CLAIM on: the set-up of the sign-in nickname tests. One per test file (useLocalChat).
import { afterAll } from 'vitest';
import type { JWTPayload } from 'jose';
import { useLocalChat, type ChatHarness } from './chat.ts';
import { OidcIssuer } from './oidc-issuer.ts';

const AUDIENCE = 'wschat-test';
const KID = 'k1';

export interface ClaimNamedChat {
  readonly chat: ChatHarness;
  /** A token for `sub` with exactly these other claims (the audience added). */
  tokenWith(sub: string, claims?: JWTPayload): Promise<string>;
}

export async function useClaimNamedChat(env: Record<string, string> = {}): Promise<ClaimNamedChat> {
  const issuer = await OidcIssuer.start();
  afterAll(() => issuer.close());
  await issuer.addKey('ES256', KID);
  const chat = useLocalChat({
    env: { CONNECT_AUTH: 'jwt', JWT_ISSUER: issuer.issuer, JWT_AUDIENCE: AUDIENCE, JWKS_URL: issuer.jwksUrl, NICKNAME_FROM_CLAIM: 'true', ...env },
  });
  return { chat, tokenWith: (sub, claims = {}) => issuer.sign(KID, { sub, aud: AUDIENCE, ...claims }) };
}
