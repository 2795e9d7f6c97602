// Deploy settings (infra/config.ts): defaults, precedence (context, then env, then default), validation.
import { describe, expect, it } from 'vitest';
import { loadConfig, SETTINGS } from '../infra/config.ts';

const noContext = () => undefined;
const context = (values: Record<string, unknown>) => (key: string) => values[key];

describe('deploy configuration', () => {
  it('defaults: stack Wschat, stage prod, burst 100 / rate 50, 14 days of logs, retain, INFO', () => {
    expect(loadConfig(noContext, {})).toEqual({
      stackName: 'Wschat',
      stageName: 'prod',
      throttle: { burstLimit: 100, rateLimit: 50 },
      logRetention: 14,
      removal: 'retain',
      logLevel: 'INFO',
      fanoutConcurrency: undefined,
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
      fanoutConcurrency: 8,
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
  ])('rejects %o naming the setting and its source', (values, message) => {
    expect(() => loadConfig(context(values), {})).toThrow(message);
    expect(() => loadConfig(context(values), {})).toThrow(/^context "/);
  });

  it('names the environment variable when the bad value came from there', () => {
    expect(() => loadConfig(noContext, { WSCHAT_THROTTLE_RATE: 'x' })).toThrow(/^env WSCHAT_THROTTLE_RATE: "x"/);
  });
});
