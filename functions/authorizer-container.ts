// What an authorizer container builds once: the check of its mode, from the environment (read through
// functions/settings.ts, so a bad value fails the container naming it). The authorizer reads no table:
// only its own settings are parsed, not the chat's.
import type * as SecretsManager from '@aws-sdk/client-secrets-manager';
import { createAuthorizer, sharedTokenCheck, type AuthorizerEvent, type AuthorizerResult, type TokenCheck } from './authorizer.ts';
import { createJwtVerifier } from './jwt-verifier.ts';
import { createLogger } from './log.ts';
import { parseSetting, SETTINGS, SettingError, type SettingName } from './settings.ts';
import { installSourceMappedStacks } from './stack-traces.ts';

/** A rotated shared token is picked up within this (one Secrets Manager read per container per period). */
export const SHARED_TOKEN_CACHE_MS = 5 * 60_000;

type Env = Readonly<Record<string, string | undefined>>;
type Authorize = (event: AuthorizerEvent) => Promise<AuthorizerResult>;

let authorize: Authorize | undefined;

/** The authorizer of this container, built on first use from the environment. */
export function containerAuthorizer(): Authorize {
  authorize ??= buildAuthorizer(process.env);
  return authorize;
}

/** Drops the cached authorizer so the next call re-reads the environment (tests). */
export function resetAuthorizerContainer(): void {
  authorize = undefined;
}

export function buildAuthorizer(env: Env): Authorize {
  if (parseSetting('sourceMappedStacks', env[SETTINGS.sourceMappedStacks.env], 'the environment')) installSourceMappedStacks();
  return createAuthorizer(tokenCheck(env), createLogger());
}

function tokenCheck(env: Env): TokenCheck {
  const value = (name: SettingName) => parseSetting(name, env[SETTINGS[name].env], 'the environment');
  const text = (name: SettingName): string | undefined => {
    const parsed = value(name);
    return typeof parsed === 'string' ? parsed : undefined;
  };
  const integer = (name: 'connectJwtMaxLifetimeSeconds' | 'jwksCooldownSeconds'): number => {
    const parsed = value(name);
    return typeof parsed === 'number' ? parsed : SETTINGS[name].default;
  };
  const mode = text('connectAuth');
  const missing = (name: SettingName) => new SettingError(`${SETTINGS[name].env} is not set (from the environment): ${SETTINGS.connectAuth.env}=${mode} needs it`);
  switch (mode) {
    case 'jwt': {
      const issuer = text('jwtIssuer');
      const audience = text('jwtAudience');
      if (!issuer) throw missing('jwtIssuer');
      if (!audience) throw missing('jwtAudience');
      const jwksUrl = text('jwksUrl');
      return createJwtVerifier({
        issuer,
        audience,
        ...(jwksUrl ? { jwksUrl } : {}),
        nameClaim: text('jwtNameClaim') ?? SETTINGS.jwtNameClaim.default,
        maxLifetimeSeconds: integer('connectJwtMaxLifetimeSeconds'),
        jwksCooldownMs: integer('jwksCooldownSeconds') * 1000,
      });
    }
    case 'token': {
      const secretArn = text('connectTokenSecretArn');
      if (secretArn) return sharedTokenCheck(secretReader(secretArn), SHARED_TOKEN_CACHE_MS);
      // Local runs only: the stack always sets the ARN, and never puts the token in an environment.
      const local = text('connectToken');
      if (!local) throw new SettingError(`${SETTINGS.connectTokenSecretArn.env} or ${SETTINGS.connectToken.env} must be set (from the environment): ${SETTINGS.connectAuth.env}=token needs the token`);
      return sharedTokenCheck(() => Promise.resolve(local), Number.POSITIVE_INFINITY);
    }
    default:
      // `none`: an authorizer that lets everyone in (the stack attaches none in this mode).
      return () => Promise.resolve({ ok: true, identity: { sub: 'anonymous', name: '' } });
  }
}

/**
 * Reads the secret's string. The SDK client is imported and made on the first read, not with the
 * container: it is most of the authorizer's bundle and of its import, and only this mode needs it.
 */
function secretReader(secretArn: string): () => Promise<string> {
  let sdk: Promise<typeof SecretsManager> | undefined;
  let client: SecretsManager.SecretsManagerClient | undefined;
  return async () => {
    const { SecretsManagerClient, GetSecretValueCommand } = await (sdk ??= import('@aws-sdk/client-secrets-manager'));
    client ??= new SecretsManagerClient({});
    return (await client.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString ?? '';
  };
}
