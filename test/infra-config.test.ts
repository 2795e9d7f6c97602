// Deploy settings (infra/config.ts): defaults, precedence (context, then env, then default), validation.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HANDLER_TUNABLES, loadConfig, SETTINGS } from '../infra/config.ts';

const noContext = () => undefined;
const context = (values: Record<string, unknown>) => (key: string) => values[key];

describe('deploy configuration', () => {
  it('defaults: stack Wschat, stage prod, burst 100 / rate 50, 14 days of logs, retain, INFO, hourly announcement off', () => {
    expect(loadConfig(noContext, {})).toEqual({
      stackName: 'Wschat',
      stageName: 'prod',
      throttle: { burstLimit: 100, rateLimit: 50 },
      logRetention: 14,
      removal: 'retain',
      logLevel: 'INFO',
      handlerEnv: {},
      announce: { schedule: 'rate(1 hour)', enabled: false },
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
        announceSchedule: 'cron(0 9 * * ? *)',
        scheduledAnnounce: true,
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
      },
      announce: { schedule: 'cron(0 9 * * ? *)', enabled: true },
    });
  });

  it('falls back to WSCHAT_* environment variables; context wins over them', () => {
    const env = { WSCHAT_STAGE: 'staging', WSCHAT_REMOVAL_POLICY: 'destroy', WSCHAT_THROTTLE_BURST: '7' };
    expect(loadConfig(noContext, env)).toMatchObject({ stageName: 'staging', removal: 'destroy', throttle: { burstLimit: 7 } });
    expect(loadConfig(context({ stage: 'dev' }), env).stageName).toBe('dev');
    // Every setting has a distinct context key and environment variable.
    const rows = Object.values(SETTINGS);
    expect(new Set(rows.map((r) => r.context)).size).toBe(rows.length);
    expect(new Set(rows.map((r) => r.env)).size).toBe(rows.length);
    expect(rows.every((r) => r.env.startsWith('WSCHAT_'))).toBe(true);
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
    [{ fanoutConcurrency: '0' }, /integer in \[1, 1000\]/],
    [{ connectGraceMs: '-1' }, /integer in \[0, 7200000\]/],
    [{ claimSettleMs: '1.5' }, /integer in \[0, 7200000\]/],
    [{ rateLimitWindowMs: '0' }, /integer in \[1, 3600000\]/],
    [{ historyTtlSeconds: '10' }, /integer in \[60, /],
    [{ scheduledAnnounce: 'yes' }, /"true" or "false"/],
    [{ announceSchedule: 'every hour' }, /EventBridge schedule/],
    [{ announceSchedule: 'rate(1 hours)' }, /EventBridge schedule/],
    [{ announceSchedule: 'rate(5 minute)' }, /EventBridge schedule/],
    [{ announceSchedule: 'rate(0 minutes)' }, /EventBridge schedule/],
    [{ announceSchedule: 'cron(0 9 * * ?)' }, /EventBridge schedule/],
  ])('rejects %o naming the setting and its source', (values, message) => {
    expect(() => loadConfig(context(values), {})).toThrow(message);
    expect(() => loadConfig(context(values), {})).toThrow(/^context "/);
  });

  it('maps every handler tunable to its own setting, and each to a variable the handlers read', () => {
    const container = readFileSync(new URL('../functions/container.ts', import.meta.url), 'utf8');
    for (const [variable, { setting }] of Object.entries(HANDLER_TUNABLES)) {
      expect(SETTINGS[setting].default, variable).toBeUndefined();
      expect(container, variable).toContain(`env.${variable}`);
    }
    expect(new Set(Object.values(HANDLER_TUNABLES).map((t) => t.setting)).size).toBe(Object.keys(HANDLER_TUNABLES).length);
  });

  it('accepts the EventBridge schedule forms', () => {
    for (const schedule of ['rate(1 minute)', 'rate(5 minutes)', 'rate(1 hour)', 'rate(12 hours)', 'rate(1 day)', 'rate(10 days)', 'cron(0/15 * * * ? *)']) {
      expect(loadConfig(context({ announceSchedule: schedule }), {}).announce.schedule).toBe(schedule);
    }
  });

  it('names the environment variable when the bad value came from there', () => {
    expect(() => loadConfig(noContext, { WSCHAT_THROTTLE_RATE: 'x' })).toThrow(/^env WSCHAT_THROTTLE_RATE: "x"/);
  });
});
