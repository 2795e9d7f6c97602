// The handlers' settings table (functions/settings.ts): every default parses, every bad value throws
// naming the variable, the value and the source, the Lambda container and `npm start` fail on one,
// and the docs tables are the table's rendering.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildChat } from '../functions/container.ts';
import { LOCAL_AWS_ENV } from '../local/aws-env.ts';
import {
  DEFAULT_SETTINGS,
  parseSetting,
  readSettings,
  SETTING_NAMES,
  SettingError,
  SETTINGS,
  type IntegerSetting,
  type SettingDefinition,
  type SettingName,
} from '../functions/settings.ts';
import { startLocalChat } from '../local/chat-server.ts';
import { startDynaliteThread } from '../local/dynalite-thread.ts';
import { docPath, GENERATED_DOCS, withBlock } from '../scripts/docs-settings.ts';

const FROM = 'the environment';
const definition = (name: SettingName): SettingDefinition => SETTINGS[name];
const integers = SETTING_NAMES.flatMap((name) => {
  const setting = definition(name);
  return setting.kind === 'integer' ? [[name, setting] as const] : [];
});

const defaulted = SETTING_NAMES.flatMap((name) => {
  const setting = definition(name);
  return setting.kind === 'string' ? [] : [[name, setting] as const];
});

describe('the settings table', () => {
  it('has one variable per setting, camelCase names, a one-line meaning, and defaults within range', () => {
    const variables = SETTING_NAMES.map((name) => definition(name).env);
    expect(new Set(variables).size).toBe(variables.length);
    for (const name of SETTING_NAMES) {
      const setting = definition(name);
      expect(name).toMatch(/^[a-z][A-Za-z]*$/);
      expect(setting.env).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(setting.meaning, name).toMatch(/^[^\n]+$/);
      if (setting.kind === 'integer') {
        expect(setting.min, name).toBeGreaterThanOrEqual(0);
        expect(setting.default, name).toBeGreaterThanOrEqual(setting.min);
        expect(setting.default, name).toBeLessThanOrEqual(setting.max);
      }
    }
  });

  it.each(defaulted)('%s parses its default, written out or left unset', (name, setting) => {
    expect(parseSetting(name, String(setting.default), FROM)).toBe(setting.default);
    expect(parseSetting(name, undefined, FROM)).toBe(setting.default);
    expect(parseSetting(name, '', FROM)).toBe(setting.default); // empty = unset, as Lambda's console leaves it
    expect(DEFAULT_SETTINGS).toHaveProperty(name, setting.default);
  });

  it('reads a whole environment: the defaults, the wiring and secrets as given, nothing invented', () => {
    expect(readSettings({ TABLE_NAME: 'chat', CONNECT_TOKEN: 'sesame', RATE_LIMIT_FRAMES: '0', MEASURE_CAPACITY: 'true' }, FROM)).toEqual({
      ...DEFAULT_SETTINGS,
      tableName: 'chat',
      callbackUrl: undefined,
      dynamodbEndpoint: undefined,
      announceText: undefined,
      connectToken: 'sesame',
      connectJwtSecret: undefined,
      connectJwtAudience: undefined,
      connectJwtIssuer: undefined,
      rateLimitFrames: 0,
      measureCapacity: true,
    });
  });

  describe.each(integers)('%s', (name, setting: IntegerSetting) => {
    const refused = (bad: string) => `${setting.env}=${JSON.stringify(bad)} (from ${FROM}): must be an integer from ${setting.min} to ${setting.max}`;

    it.each(['abc', '1.5', '-1', '1e3', '0x10', ' 12', '12 ', ' ', '+5', 'Infinity', '99999999999999999999'])('refuses %j, naming the variable and the source', (bad) => {
      expect(() => parseSetting(name, bad, FROM)).toThrow(new SettingError(refused(bad)));
    });

    it(`accepts ${setting.min} to ${setting.max}, nothing outside`, () => {
      expect(parseSetting(name, String(setting.min), FROM)).toBe(setting.min);
      expect(parseSetting(name, String(setting.max), FROM)).toBe(setting.max);
      expect(() => parseSetting(name, String(setting.max + 1), FROM)).toThrow(refused(String(setting.max + 1)));
      if (setting.min > 0) expect(() => parseSetting(name, String(setting.min - 1), FROM)).toThrow(refused(String(setting.min - 1)));
    });
  });

  it('takes 0 only where it means something: no grace, no settle time, no rate limit, no JWKS cooldown', () => {
    const zeroAllowed = integers.filter(([, setting]) => setting.min === 0).map(([name]) => name);
    expect(zeroAllowed).toEqual(['connectGraceMs', 'claimSettleMs', 'rateLimitFrames', 'resumeGraceMs', 'jwksCooldownSeconds']);
    expect(() => parseSetting('fanoutConcurrency', '0', FROM)).toThrow('FANOUT_CONCURRENCY="0" (from the environment): must be an integer from 1 to 1000');
    expect(() => parseSetting('connectJwtMaxLifetimeSeconds', '0', FROM)).toThrow(/^CONNECT_JWT_MAX_LIFETIME_SECONDS="0"/);
  });

  it('takes a boolean as true or false only', () => {
    expect(parseSetting('measureCapacity', 'true', FROM)).toBe(true);
    expect(parseSetting('measureCapacity', 'false', FROM)).toBe(false);
    for (const bad of ['TRUE', 'yes', '1', 'on', ' true']) {
      expect(() => parseSetting('measureCapacity', bad, FROM)).toThrow(`MEASURE_CAPACITY=${JSON.stringify(bad)} (from the environment): must be true or false`);
    }
  });

  it('requires TABLE_NAME, and says where it looked', () => {
    expect(() => readSettings({}, FROM)).toThrow(new SettingError('TABLE_NAME is not set (from the environment): it is required'));
    expect(() => readSettings({ TABLE_NAME: '' }, 'the stack')).toThrow('TABLE_NAME is not set (from the stack)');
  });
});

describe('consumers of the table', () => {
  it('the Lambda container fails loudly on a bad value, naming it, instead of running on the default', () => {
    expect(() => buildChat({ TABLE_NAME: 'chat', RATE_LIMIT_WINDOW_MS: 'abc' })).toThrow(
      'RATE_LIMIT_WINDOW_MS="abc" (from the environment): must be an integer from 1 to 3600000',
    );
    // Both used to become something else quietly: 0 posted with concurrency 1, 1.5 meant the default.
    expect(() => buildChat({ TABLE_NAME: 'chat', FANOUT_CONCURRENCY: '0' })).toThrow(/^FANOUT_CONCURRENCY="0"/);
    expect(() => buildChat({ TABLE_NAME: 'chat', CONNECT_GRACE_MS: '1.5' })).toThrow(/^CONNECT_GRACE_MS="1.5"/);
    expect(() => buildChat({})).toThrow(/^TABLE_NAME is not set/);
    // What the runtime gives every Lambda, checked as early: the credentials and Region its requests sign with.
    expect(() => buildChat({ TABLE_NAME: 'chat' })).toThrow(/^AWS_ACCESS_KEY_ID is not set/);
    expect(buildChat({ ...LOCAL_AWS_ENV, TABLE_NAME: 'chat', FANOUT_CONCURRENCY: '8' }).settings).toMatchObject({ tableName: 'chat', fanoutConcurrency: 8 });
  });

  it('startLocalChat refuses a bad handler setting before it starts anything', async () => {
    await expect(startLocalChat({ port: 0, env: { HISTORY_TTL_SECONDS: '10' } })).rejects.toThrow(
      new SettingError('HISTORY_TTL_SECONDS="10" (from the environment): must be an integer from 60 to 31622400'),
    );
  });

  it('startLocalChat closes an emulator it was given (npm start starts one early) when a setting fails the start', async () => {
    const emulator = startDynaliteThread();
    const { endpoint } = await emulator;
    await expect(startLocalChat({ port: 0, emulator, env: { HISTORY_TTL_SECONDS: '10' } })).rejects.toThrow(SettingError);
    await expect(fetch(endpoint)).rejects.toThrow(); // its thread is gone: nothing listens there
  });

  it('startLocalChat refuses an emulator given beside an external dynamodbEndpoint, and closes it', async () => {
    const emulator = startDynaliteThread();
    const { endpoint } = await emulator;
    await expect(startLocalChat({ port: 0, emulator, dynamodbEndpoint: endpoint })).rejects.toThrow('emulator and dynamodbEndpoint are alternatives');
    await expect(fetch(endpoint)).rejects.toThrow();
  });

  it('`npm start` exits at once with the message alone, naming the variable', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const { scripts }: { scripts: { start: string } } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
    const [, ...args] = scripts.start.split(/\s+/);
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DYNAMODB_PORT: '0', RATE_LIMIT_FRAMES: 'lots' };
    const run = spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('npm start: RATE_LIMIT_FRAMES="lots" (from the environment): must be an integer from 0 to 1000000');
    expect(run.stdout).not.toMatch(/listening/);
  });

  it.each(GENERATED_DOCS.map((doc) => [doc.path, doc.marker, doc] as const))('%s holds the rendering of the %s table (npm run docs:settings)', (path, marker, doc) => {
    const text = readFileSync(docPath(path), 'utf8');
    expect(withBlock(text, doc.render(), path, marker)).toBe(text);
  });
});
