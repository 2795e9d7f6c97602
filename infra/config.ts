// Deploy-time settings: CDK context (`-c key=value`, or cdk.json) first, then environment, then default.
// Pure (no CDK App needed) so tests can check parsing and validation directly.
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { parseSetting, SETTING_NAMES, SETTINGS, type SettingName } from '../functions/settings.ts';
import { STAGE_THROTTLE_OPTIONS } from './stage-throttle.ts';

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
  /** Handler settings that were set (HANDLER_CONTEXT_SETTINGS), by their variables, validated as the handlers would. */
  handlerEnv: Record<string, string>;
  /** The scheduled "N users online" push: its EventBridge schedule, and whether the rule is enabled. */
  announce: { schedule: string; enabled: boolean };
  /** CloudWatch alarms and a dashboard (infra/operations.ts); with `email`, an SNS topic that mails each alarm. */
  alarms: { enabled: boolean; email: string | undefined };
  /** X-Ray active tracing of every function. */
  tracing: boolean;
}

/**
 * One row per stack option: its context key, its environment variable, its default. Documented in
 * docs/deploy.md. The handlers' own settings are functions/settings.ts's (HANDLER_CONTEXT_SETTINGS).
 */
export const STACK_OPTIONS = {
  stackName: { context: 'stackName', env: 'WSCHAT_STACK_NAME', default: 'Wschat' },
  stageName: { context: 'stage', env: 'WSCHAT_STAGE', default: 'prod' },
  burstLimit: STAGE_THROTTLE_OPTIONS.burstLimit,
  rateLimit: STAGE_THROTTLE_OPTIONS.rateLimit,
  logRetentionDays: { context: 'logRetentionDays', env: 'WSCHAT_LOG_RETENTION_DAYS', default: 14 },
  removal: { context: 'removalPolicy', env: 'WSCHAT_REMOVAL_POLICY', default: 'retain' },
  logLevel: { context: 'logLevel', env: 'WSCHAT_LOG_LEVEL', default: 'INFO' },
  announceSchedule: { context: 'announceSchedule', env: 'WSCHAT_ANNOUNCE_SCHEDULE', default: 'rate(1 hour)' },
  scheduledAnnounce: { context: 'scheduledAnnounce', env: 'WSCHAT_SCHEDULED_ANNOUNCE', default: 'false' },
  alarms: { context: 'alarms', env: 'WSCHAT_ALARMS', default: 'false' },
  alarmEmail: { context: 'alarmEmail', env: 'WSCHAT_ALARM_EMAIL', default: undefined },
  tracing: { context: 'tracing', env: 'WSCHAT_TRACING', default: 'false' },
} as const satisfies Record<string, { context: string; env: string; default: string | number | undefined }>;

type StackOption = keyof typeof STACK_OPTIONS;

/**
 * The handler settings deployable through CDK context (`deploy: 'context'` in functions/settings.ts):
 * context key = the setting's name, environment fallback = `WSCHAT_` + its variable. ($connect
 * secrets are deliberately not among them: a template is no place for them.)
 */
export const HANDLER_CONTEXT_SETTINGS = SETTING_NAMES.filter((name) => SETTINGS[name].deploy === 'context');
/** A handler setting's stack-side environment variable, read when its context key is not set. */
export const handlerSettingFallback = (name: SettingName): string => `WSCHAT_${SETTINGS[name].env}`;

/**
 * EventBridge schedule expressions: `rate(1 minute|hour|day)` (singular for 1, as EventBridge insists),
 * `rate(N minutes|hours|days)` for N > 1, or a six-field `cron(...)`. Checked here so a typo fails the synth.
 */
export const SCHEDULE_EXPRESSION = /^(rate\(1 (minute|hour|day)\)|rate\(([2-9]|[1-9]\d+) (minutes|hours|days)\)|cron\(\S+( \S+){5}\))$/;

/** Reads one context key: `(key) => app.node.tryGetContext(key)`. */
export type ContextLookup = (key: string) => unknown;

export function loadConfig(context: ContextLookup, env: Record<string, string | undefined> = process.env): ChatConfig {
  const raw = (name: StackOption): { value: string | undefined; source: string } => {
    const s = STACK_OPTIONS[name];
    const fromContext = context(s.context);
    if (fromContext !== undefined && fromContext !== null && fromContext !== '') {
      return { value: String(fromContext), source: `context "${s.context}"` };
    }
    const fromEnv = env[s.env];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: `env ${s.env}` };
    return { value: s.default === undefined ? undefined : String(s.default), source: 'default' };
  };

  const text = (name: StackOption, pattern: RegExp, what: string): string => {
    const { value, source } = raw(name);
    if (value === undefined || !pattern.test(value)) throw new Error(`${source}: ${JSON.stringify(value)} is not ${what}`);
    return value;
  };

  const number = (name: StackOption, min: number, max: number, integer: boolean): number | undefined => {
    const { value, source } = raw(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new Error(`${source}: ${JSON.stringify(value)} is not ${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`);
    }
    return n;
  };
  const required = (name: StackOption, min: number, max: number, integer: boolean): number => {
    const n = number(name, min, max, integer);
    if (n === undefined) throw new Error(`setting ${name} has no value`);
    return n;
  };

  const throttleValue = (name: keyof typeof STAGE_THROTTLE_OPTIONS): number => {
    const { min, max, integer } = STAGE_THROTTLE_OPTIONS[name];
    return required(name, min, max, integer);
  };

  const retentionDays = required('logRetentionDays', 1, 3653, true);
  // Only the values CloudWatch Logs accepts; anything else would fail at deploy time, so fail at synth.
  const allowedRetention = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');
  if (!allowedRetention.includes(retentionDays)) {
    throw new Error(`${raw('logRetentionDays').source}: ${retentionDays} days is not one CloudWatch accepts: ${allowedRetention.join(', ')}`);
  }

  const removal = text('removal', /^(destroy|retain)$/, '"destroy" or "retain"') as RemovalMode;
  const logLevel = text('logLevel', new RegExp(`^(${LOG_LEVELS.join('|')})$`, 'i'), `one of ${LOG_LEVELS.join(', ')}`).toUpperCase() as LogLevel;

  // Validated as the handlers will read them; unset ones are left out of the template (the handlers
  // apply the table's defaults themselves).
  const handlerEnv: Record<string, string> = {};
  for (const name of HANDLER_CONTEXT_SETTINGS) {
    const fromContext = context(name);
    const fallback = handlerSettingFallback(name);
    const [raw, source] =
      fromContext !== undefined && fromContext !== null && fromContext !== ''
        ? [String(fromContext), `CDK context ${name}`]
        : [env[fallback], `environment variable ${fallback}`];
    if (raw === undefined || raw === '') continue;
    handlerEnv[SETTINGS[name].env] = String(parseSetting(name, raw, source));
  }

  const flag = (name: StackOption) => text(name, /^(true|false)$/, '"true" or "false"') === 'true';
  const scheduledAnnounce = flag('scheduledAnnounce');
  const alarms = flag('alarms');
  // A plain address check: SNS confirms the subscription by mail anyway, so a typo shows up there.
  const alarmEmail = raw('alarmEmail').value === undefined ? undefined : text('alarmEmail', /^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an email address');
  if (alarmEmail && !alarms) throw new Error(`${raw('alarmEmail').source}: an alarm email needs the alarms (-c alarms=true)`);

  return {
    stackName: text('stackName', /^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'a CloudFormation stack name'),
    // API Gateway stage names: letters, digits, hyphen, underscore (`$default` is HTTP APIs only).
    stageName: text('stageName', /^[A-Za-z0-9_-]{1,128}$/, 'a stage name ([A-Za-z0-9_-], up to 128)'),
    throttle: { burstLimit: throttleValue('burstLimit'), rateLimit: throttleValue('rateLimit') },
    logRetention: retentionDays as RetentionDays,
    removal,
    logLevel,
    handlerEnv,
    announce: {
      schedule: text('announceSchedule', SCHEDULE_EXPRESSION, 'an EventBridge schedule: "rate(1 hour)", "rate(15 minutes)", "cron(0 9 * * ? *)"'),
      enabled: scheduledAnnounce,
    },
    alarms: { enabled: alarms, email: alarmEmail },
    tracing: flag('tracing'),
  };
}
