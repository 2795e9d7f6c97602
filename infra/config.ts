// Deploy-time settings: CDK context (`-c key=value`, or cdk.json) first, then environment, then default.
// Pure (no CDK App needed) so tests can check parsing and validation directly.
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export type RemovalMode = 'destroy' | 'retain';
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ChatConfig {
  /** CloudFormation stack name; give dev stacks their own (`-c stackName=wschat-dev`). */
  stackName: string;
  /** API Gateway stage: part of the wss:// and callback URLs. */
  stageName: string;
  /** Default route throttling of the stage (all clients together, per route). */
  throttle: { burstLimit: number; rateLimit: number };
  logRetention: RetentionDays;
  /** `destroy` empties everything on `cdk destroy` (dev); `retain` keeps table and logs (default). */
  removal: RemovalMode;
  logLevel: LogLevel;
  /** Handler tunables that were set (see HANDLER_TUNABLES), as the handlers' environment variables. */
  handlerEnv: Partial<Record<HandlerVariable, string>>;
  /** The scheduled "N users online" push: its EventBridge schedule, and whether the rule is enabled. */
  announce: { schedule: string; enabled: boolean };
}

/** One row per setting: its context key, its environment variable, its default. Documented in docs/deploy.md. */
export const SETTINGS = {
  stackName: { context: 'stackName', env: 'WSCHAT_STACK_NAME', default: 'Wschat' },
  stageName: { context: 'stage', env: 'WSCHAT_STAGE', default: 'prod' },
  burstLimit: { context: 'throttleBurst', env: 'WSCHAT_THROTTLE_BURST', default: 100 },
  rateLimit: { context: 'throttleRate', env: 'WSCHAT_THROTTLE_RATE', default: 50 },
  logRetentionDays: { context: 'logRetentionDays', env: 'WSCHAT_LOG_RETENTION_DAYS', default: 14 },
  removal: { context: 'removalPolicy', env: 'WSCHAT_REMOVAL_POLICY', default: 'retain' },
  logLevel: { context: 'logLevel', env: 'WSCHAT_LOG_LEVEL', default: 'INFO' },
  fanoutConcurrency: { context: 'fanoutConcurrency', env: 'WSCHAT_FANOUT_CONCURRENCY', default: undefined },
  connectGraceMs: { context: 'connectGraceMs', env: 'WSCHAT_CONNECT_GRACE_MS', default: undefined },
  claimSettleMs: { context: 'claimSettleMs', env: 'WSCHAT_CLAIM_SETTLE_MS', default: undefined },
  rateLimitFrames: { context: 'rateLimitFrames', env: 'WSCHAT_RATE_LIMIT_FRAMES', default: undefined },
  rateLimitWindowMs: { context: 'rateLimitWindowMs', env: 'WSCHAT_RATE_LIMIT_WINDOW_MS', default: undefined },
  historyTtlSeconds: { context: 'historyTtlSeconds', env: 'WSCHAT_HISTORY_TTL_SECONDS', default: undefined },
  announceSchedule: { context: 'announceSchedule', env: 'WSCHAT_ANNOUNCE_SCHEDULE', default: 'rate(1 hour)' },
  scheduledAnnounce: { context: 'scheduledAnnounce', env: 'WSCHAT_SCHEDULED_ANNOUNCE', default: 'false' },
} as const satisfies Record<string, { context: string; env: string; default: string | number | undefined }>;

type SettingName = keyof typeof SETTINGS;

/**
 * Settings passed to every handler as an environment variable (functions/container.ts reads them), with
 * the range accepted. Unset ones are left out of the template, so the handlers' defaults stay the one
 * source. ($connect secrets are deliberately not here: a template is no place for them.)
 */
export const HANDLER_TUNABLES = {
  FANOUT_CONCURRENCY: { setting: 'fanoutConcurrency', min: 1, max: 1000 },
  // Up to API Gateway's 2 h connection lifetime: longer would only keep dead sockets longer.
  CONNECT_GRACE_MS: { setting: 'connectGraceMs', min: 0, max: 7_200_000 },
  CLAIM_SETTLE_MS: { setting: 'claimSettleMs', min: 0, max: 7_200_000 },
  RATE_LIMIT_FRAMES: { setting: 'rateLimitFrames', min: 0, max: 100_000 },
  RATE_LIMIT_WINDOW_MS: { setting: 'rateLimitWindowMs', min: 1, max: 3_600_000 },
  HISTORY_TTL_SECONDS: { setting: 'historyTtlSeconds', min: 60, max: 366 * 24 * 60 * 60 },
} as const satisfies Record<string, { setting: SettingName; min: number; max: number }>;
export type HandlerVariable = keyof typeof HANDLER_TUNABLES;

/**
 * EventBridge schedule expressions: `rate(1 minute|hour|day)` (singular for 1, as EventBridge insists),
 * `rate(N minutes|hours|days)` for N > 1, or a six-field `cron(...)`. Checked here so a typo fails the synth.
 */
export const SCHEDULE_EXPRESSION = /^(rate\(1 (minute|hour|day)\)|rate\(([2-9]|[1-9]\d+) (minutes|hours|days)\)|cron\(\S+( \S+){5}\))$/;

/** Reads one context key: `(key) => app.node.tryGetContext(key)`. */
export type ContextLookup = (key: string) => unknown;

export function loadConfig(context: ContextLookup, env: Record<string, string | undefined> = process.env): ChatConfig {
  const raw = (name: SettingName): { value: string | undefined; source: string } => {
    const s = SETTINGS[name];
    const fromContext = context(s.context);
    if (fromContext !== undefined && fromContext !== null && fromContext !== '') {
      return { value: String(fromContext), source: `context "${s.context}"` };
    }
    const fromEnv = env[s.env];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: `env ${s.env}` };
    return { value: s.default === undefined ? undefined : String(s.default), source: 'default' };
  };

  const text = (name: SettingName, pattern: RegExp, what: string): string => {
    const { value, source } = raw(name);
    if (value === undefined || !pattern.test(value)) throw new Error(`${source}: ${JSON.stringify(value)} is not ${what}`);
    return value;
  };

  const number = (name: SettingName, min: number, max: number, integer: boolean): number | undefined => {
    const { value, source } = raw(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new Error(`${source}: ${JSON.stringify(value)} is not ${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`);
    }
    return n;
  };
  const required = (name: SettingName, min: number, max: number, integer: boolean): number => {
    const n = number(name, min, max, integer);
    if (n === undefined) throw new Error(`setting ${name} has no value`);
    return n;
  };

  const retentionDays = required('logRetentionDays', 1, 3653, true);
  // Only the values CloudWatch Logs accepts; anything else would fail at deploy time, so fail at synth.
  const allowedRetention = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');
  if (!allowedRetention.includes(retentionDays)) {
    throw new Error(`${raw('logRetentionDays').source}: ${retentionDays} days is not one CloudWatch accepts: ${allowedRetention.join(', ')}`);
  }

  const removal = text('removal', /^(destroy|retain)$/, '"destroy" or "retain"') as RemovalMode;
  const logLevel = text('logLevel', new RegExp(`^(${LOG_LEVELS.join('|')})$`, 'i'), `one of ${LOG_LEVELS.join(', ')}`).toUpperCase() as LogLevel;

  const handlerEnv: Partial<Record<HandlerVariable, string>> = {};
  for (const [variable, { setting, min, max }] of Object.entries(HANDLER_TUNABLES) as [HandlerVariable, (typeof HANDLER_TUNABLES)[HandlerVariable]][]) {
    const value = number(setting, min, max, true);
    if (value !== undefined) handlerEnv[variable] = String(value);
  }

  const scheduledAnnounce = text('scheduledAnnounce', /^(true|false)$/, '"true" or "false"') === 'true';

  return {
    stackName: text('stackName', /^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'a CloudFormation stack name'),
    // API Gateway stage names: letters, digits, hyphen, underscore (`$default` is HTTP APIs only).
    stageName: text('stageName', /^[A-Za-z0-9_-]{1,128}$/, 'a stage name ([A-Za-z0-9_-], up to 128)'),
    // Ceilings are API Gateway's default account quotas (burst 5,000, 10,000 requests/s).
    throttle: { burstLimit: required('burstLimit', 0, 5000, true), rateLimit: required('rateLimit', 0, 10000, false) },
    logRetention: retentionDays as RetentionDays,
    removal,
    logLevel,
    handlerEnv,
    announce: {
      schedule: text('announceSchedule', SCHEDULE_EXPRESSION, 'an EventBridge schedule: "rate(1 hour)", "rate(15 minutes)", "cron(0 9 * * ? *)"'),
      enabled: scheduledAnnounce,
    },
  };
}
