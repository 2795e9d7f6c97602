// Deploy settings (infra/config.ts): defaults, precedence (context, then env, then default), validation;
// the handler settings among them come from functions/settings.ts and fail as the handlers would.
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SETTING_NAMES, SETTINGS, type SettingDefinition, type SettingName } from '../functions/settings.ts';
import { HANDLER_CONTEXT_SETTINGS, handlerSettingFallback, loadConfig, STACK_OPTIONS } from '../infra/config.ts';
import { testApp } from '../infra/testing.ts';

const noContext = () => undefined;
const context = (values: Record<string, unknown>) => (key: string) => values[key];

describe('deploy configuration', () => {
  it('defaults: stack Wschat, stage prod, burst 100 / rate 50, 14 days of logs, retain, INFO, hourly announcement off, no sign-in', () => {
    expect(loadConfig(noContext, {})).toEqual({
      stackName: 'Wschat',
      stageName: 'prod',
      throttle: { burstLimit: 100, rateLimit: 50 },
      logRetention: 14,
      removal: 'retain',
      logLevel: 'INFO',
      handlerEnv: {},
      announce: { schedule: 'rate(1 hour)', enabled: false },
      alarms: { enabled: false, email: undefined },
      tracing: false,
      connectAuth: { mode: 'none' },
    });
  });

  it('reads every setting from its context key, strings (from -c) or numbers (from cdk.json)', () => {
    const config = loadConfig(
      context({
        stackName: 'wschat-dev',
        stage: 'dev',
        throttleBurst: '10',
        throttleRate: 2.5,
        logRetentionDays: 7,
        removalPolicy: 'destroy',
        logLevel: 'warn',
        fanoutConcurrency: '8',
        connectGraceMs: '0',
        claimSettleMs: 60000,
        rateLimitFrames: '0',
        rateLimitWindowMs: '5000',
        historyTtlSeconds: 3600,
        announceText: 'back at 18:00',
        announceSchedule: 'cron(0 9 * * ? *)',
        scheduledAnnounce: true,
        metricsNamespace: 'chat/dev',
        alarms: 'true',
        alarmEmail: 'ops@example.com',
        tracing: true,
        connectAuth: 'jwt',
        jwtIssuer: 'https://issuer.example',
        jwtAudience: 'wschat',
        jwksUrl: 'https://issuer.example/keys',
        jwtNameClaim: 'email',
        nicknameFromClaim: true,
        connectJwtMaxLifetimeSeconds: 3600,
      }),
      {},
    );
    expect(config).toEqual({
      stackName: 'wschat-dev',
      stageName: 'dev',
      throttle: { burstLimit: 10, rateLimit: 2.5 },
      logRetention: 7,
      removal: 'destroy',
      logLevel: 'WARN',
      handlerEnv: {
        FANOUT_CONCURRENCY: '8',
        CONNECT_GRACE_MS: '0',
        CLAIM_SETTLE_MS: '60000',
        RATE_LIMIT_FRAMES: '0',
        RATE_LIMIT_WINDOW_MS: '5000',
        HISTORY_TTL_SECONDS: '3600',
        ANNOUNCE_TEXT: 'back at 18:00',
        METRICS_NAMESPACE: 'chat/dev',
        NICKNAME_FROM_CLAIM: 'true',
        CONNECT_JWT_MAX_LIFETIME_SECONDS: '3600',
      },
      announce: { schedule: 'cron(0 9 * * ? *)', enabled: true },
      alarms: { enabled: true, email: 'ops@example.com' },
      tracing: true,
      connectAuth: { mode: 'jwt', issuer: 'https://issuer.example', audience: 'wschat', jwksUrl: 'https://issuer.example/keys', nameClaim: 'email' },
    });
  });

  it('falls back to WSCHAT_* environment variables; context wins over them', () => {
    const env = { WSCHAT_STAGE: 'staging', WSCHAT_REMOVAL_POLICY: 'destroy', WSCHAT_THROTTLE_BURST: '7' };
    expect(loadConfig(noContext, env)).toMatchObject({ stageName: 'staging', removal: 'destroy', throttle: { burstLimit: 7 } });
    expect(loadConfig(context({ stage: 'dev' }), env).stageName).toBe('dev');
    // Every stack option and deployable handler setting has a distinct context key and environment variable.
    const contexts = [...Object.values(STACK_OPTIONS).map((r) => r.context), ...HANDLER_CONTEXT_SETTINGS];
    const envs = [...Object.values(STACK_OPTIONS).map((r) => r.env), ...HANDLER_CONTEXT_SETTINGS.map(handlerSettingFallback)];
    expect(new Set(contexts).size).toBe(contexts.length);
    expect(new Set(envs).size).toBe(envs.length);
    expect(envs.every((env) => env.startsWith('WSCHAT_'))).toBe(true);
  });

  it('takes a handler setting from WSCHAT_{its variable}; its context key wins', () => {
    const env = { WSCHAT_RATE_LIMIT_FRAMES: '7' };
    expect(loadConfig(noContext, env).handlerEnv).toEqual({ RATE_LIMIT_FRAMES: '7' });
    expect(loadConfig(context({ rateLimitFrames: 9 }), env).handlerEnv).toEqual({ RATE_LIMIT_FRAMES: '9' });
  });

  it('treats empty values as unset', () => {
    expect(loadConfig(context({ stage: '' }), { WSCHAT_STAGE: '' }).stageName).toBe('prod');
  });

  it.each([
    [{ stage: 'my stage' }, /stage name/],
    [{ stage: '$default' }, /stage name/],
    [{ stackName: '1wschat' }, /stack name/],
    [{ throttleBurst: '2.5' }, /integer in \[0, 5000\]/],
    [{ throttleBurst: '-1' }, /integer in \[0, 5000\]/],
    [{ throttleRate: 'fast' }, /number in \[0, 10000\]/],
    [{ throttleRate: '20000' }, /number in \[0, 10000\]/],
    [{ logRetentionDays: '10' }, /not one CloudWatch accepts/],
    [{ removalPolicy: 'RETAIN_ON_UPDATE_OR_DELETE' }, /"destroy" or "retain"/],
    [{ logLevel: 'verbose' }, /one of TRACE, DEBUG/],
    [{ scheduledAnnounce: 'yes' }, /"true" or "false"/],
    [{ alarms: 'on' }, /"true" or "false"/],
    [{ tracing: '1' }, /"true" or "false"/],
    [{ alarms: 'true', alarmEmail: 'ops at example.com' }, /an email address/],
    [{ alarmEmail: 'ops@example.com' }, /needs the alarms/],
    [{ announceSchedule: 'every hour' }, /EventBridge schedule/],
    [{ announceSchedule: 'rate(1 hours)' }, /EventBridge schedule/],
    [{ announceSchedule: 'rate(5 minute)' }, /EventBridge schedule/],
    [{ announceSchedule: 'rate(0 minutes)' }, /EventBridge schedule/],
    [{ announceSchedule: 'cron(0 9 * * ?)' }, /EventBridge schedule/],
  ])('rejects %o naming the setting and its source', (values, message) => {
    expect(() => loadConfig(context(values), {})).toThrow(message);
    expect(() => loadConfig(context(values), {})).toThrow(/^context "/);
  });

  // Handler settings: the message of functions/settings.ts, naming the variable, the value and the context key.
  it.each([
    ['fanoutConcurrency', '0', 'FANOUT_CONCURRENCY="0" (from CDK context fanoutConcurrency): must be an integer from 1 to 1000'],
    ['fanoutConcurrency', 'many', 'FANOUT_CONCURRENCY="many" (from CDK context fanoutConcurrency): must be an integer from 1 to 1000'],
    ['connectGraceMs', '-1', 'CONNECT_GRACE_MS="-1" (from CDK context connectGraceMs): must be an integer from 0 to 7200000'],
    ['claimSettleMs', 1.5, 'CLAIM_SETTLE_MS="1.5" (from CDK context claimSettleMs): must be an integer from 0 to 7200000'],
    ['rateLimitFrames', '1e3', 'RATE_LIMIT_FRAMES="1e3" (from CDK context rateLimitFrames): must be an integer from 0 to 1000000'],
    ['rateLimitWindowMs', '0', 'RATE_LIMIT_WINDOW_MS="0" (from CDK context rateLimitWindowMs): must be an integer from 1 to 3600000'],
    ['historyTtlSeconds', '10', 'HISTORY_TTL_SECONDS="10" (from CDK context historyTtlSeconds): must be an integer from 60 to 31622400'],
    ['metricsNamespace', 'AWS/Chat', `METRICS_NAMESPACE="AWS/Chat" (from CDK context metricsNamespace): must be ${SETTINGS.metricsNamespace.rule}`],
    ['metricsNamespace', 'chat!', `METRICS_NAMESPACE="chat!" (from CDK context metricsNamespace): must be ${SETTINGS.metricsNamespace.rule}`],
  ])('rejects %s=%o naming the setting and the context key', (key, value, message) => {
    expect(() => loadConfig(context({ [key]: value }), {})).toThrow(message);
  });

  it.each([
    [{ nicknameFromClaim: true }, {}, 'nicknameFromClaim=true (from CDK context nicknameFromClaim) needs connectAuth=jwt or cognito, a sign-in that names each user; connectAuth is "none" (from default): there is no sign-in'],
    [{ nicknameFromClaim: 'true', connectAuth: 'none' }, {}, 'connectAuth is "none" (from context "connectAuth"): there is no sign-in'],
    [{ nicknameFromClaim: 'true', connectAuth: 'token' }, {}, 'connectAuth is "token" (from context "connectAuth"): the shared token names nobody'],
    [{}, { WSCHAT_NICKNAME_FROM_CLAIM: 'true', WSCHAT_CONNECT_AUTH: 'token' }, 'nicknameFromClaim=true (from environment variable WSCHAT_NICKNAME_FROM_CLAIM) needs connectAuth=jwt or cognito, a sign-in that names each user; connectAuth is "token" (from env WSCHAT_CONNECT_AUTH)'],
  ])('refuses nicknameFromClaim=true without a sign-in that names users (%o, env %o), naming both settings', (values, env, message) => {
    expect(() => loadConfig(context(values), env)).toThrow(message);
  });

  it('takes nicknameFromClaim=true with connectAuth=jwt or cognito, and nicknameFromClaim=false with any mode', () => {
    const jwt = { connectAuth: 'jwt', jwtIssuer: 'https://issuer.example', jwtAudience: 'wschat' };
    expect(loadConfig(context({ ...jwt, nicknameFromClaim: true }), {}).handlerEnv).toEqual({ NICKNAME_FROM_CLAIM: 'true' });
    expect(loadConfig(context({ connectAuth: 'cognito', nicknameFromClaim: 'true' }), {}).connectAuth.mode).toBe('cognito');
    expect(loadConfig(context({ connectAuth: 'token', nicknameFromClaim: false }), {}).handlerEnv).toEqual({ NICKNAME_FROM_CLAIM: 'false' });
    expect(loadConfig(context({ nicknameFromClaim: 'false' }), {}).connectAuth.mode).toBe('none');
  });

  it('never takes a $connect secret, or a setting the stack sets itself, from context into the template', () => {
    const values = { connectToken: 'secret', connectJwtSecret: 'secret', tableName: 'other', callbackUrl: 'https://elsewhere' };
    expect(loadConfig(context(values), { WSCHAT_CONNECT_TOKEN: 'secret' }).handlerEnv).toEqual({});
  });

  it("passes every deployable handler setting to the functions under the table's variable, and nothing the table does not name", () => {
    const values = Object.fromEntries(HANDLER_CONTEXT_SETTINGS.map((name) => [name, sampleOf(name)]));
    const functions: LambdaFunction[] = Object.values(Template.fromStack(testApp({ context: values }).stack).findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThan(0);
    const tableVariables = new Set<string>(SETTING_NAMES.map((name) => SETTINGS[name].env));
    // The stack's own variables for the logger, not handler settings.
    const stackVariables = new Set(['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_LOG_LEVEL', 'LOG_LEVEL']);
    for (const fn of functions) {
      const variables = fn.Properties?.Environment?.Variables ?? {};
      for (const name of HANDLER_CONTEXT_SETTINGS) expect(variables[SETTINGS[name].env], name).toBe(values[name]);
      expect(variables[SETTINGS.tableName.env]).toBeDefined();
      expect(variables[SETTINGS.callbackUrl.env]).toBeDefined();
      for (const variable of Object.keys(variables)) expect(tableVariables.has(variable) || stackVariables.has(variable), variable).toBe(true);
    }
  });

  it('accepts the EventBridge schedule forms', () => {
    for (const schedule of ['rate(1 minute)', 'rate(5 minutes)', 'rate(1 hour)', 'rate(12 hours)', 'rate(1 day)', 'rate(10 days)', 'cron(0/15 * * * ? *)']) {
      expect(loadConfig(context({ announceSchedule: schedule }), {}).announce.schedule).toBe(schedule);
    }
  });

  it('names the environment variable when the bad value came from there', () => {
    expect(() => loadConfig(noContext, { WSCHAT_THROTTLE_RATE: 'x' })).toThrow(/^env WSCHAT_THROTTLE_RATE: "x"/);
    expect(() => loadConfig(noContext, { WSCHAT_RATE_LIMIT_WINDOW_MS: 'abc' })).toThrow(
      'RATE_LIMIT_WINDOW_MS="abc" (from environment variable WSCHAT_RATE_LIMIT_WINDOW_MS): must be an integer from 1 to 3600000',
    );
  });
});

interface LambdaFunction {
  Properties?: { Environment?: { Variables: Record<string, unknown> } };
}

/** A valid value for a setting, as `-c` would pass it: its default, or some text. */
function sampleOf(name: SettingName): string {
  const setting: SettingDefinition = SETTINGS[name];
  return setting.kind === 'string' ? 'hello' : String(setting.default);
}
