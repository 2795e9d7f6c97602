// cdk-nag's AwsSolutions pack over the stack, with aws-cdk-lib's built-in CloudFormation template
// validation left on (this is the test that keeps CDK_VALIDATION's check alive, ≈3 s).
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChatStack } from '../infra/chat-stack.ts';
import { loadConfig } from '../infra/config.ts';
import { REASONS, ruleOf } from '../infra/nag.ts';
import { cdkJsonContext, testApp } from '../infra/testing.ts';

// Validation must run here whatever the caller's environment says.
delete process.env['CDK_VALIDATION'];

interface Report {
  pluginReports: { pluginName: string; violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[] }[];
}

const dirs: string[] = [];
function outdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wschat-nag-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Synthesizes; returns the validation report whether or not synthesis failed on it. */
function synthReport(app: App, dir: string): { report: Report; error: unknown } {
  let error: unknown;
  try {
    app.synth();
  } catch (e) {
    error = e;
  }
  return { report: JSON.parse(readFileSync(join(dir, 'validation-report.json'), 'utf8')) as Report, error };
}

/** Every optional part on: alarms, their topic and mail, tracing. */
const EVERYTHING: Record<string, string> = { alarms: 'true', alarmEmail: 'ops@example.com', tracing: 'true' };
/** The sign-in modes beside the default (none); each brings its own resources and findings. */
const SIGN_IN: Record<string, Record<string, string>> = {
  jwt: { connectAuth: 'jwt', jwtIssuer: 'https://issuer.example', jwtAudience: 'wschat' },
  'token (generated secret)': { connectAuth: 'token' },
  'token (existing secret)': { connectAuth: 'token', connectTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wschat-token-AbCdEf' },
  cognito: { connectAuth: 'cognito' },
};

describe('cdk-nag AwsSolutions', () => {
  const configurations: Array<[string, Record<string, string>]> = [
    ['the default configuration', {}],
    ['alarms, alarm mail and tracing on', EVERYTHING],
    ...Object.entries(SIGN_IN).map(([mode, context]): [string, Record<string, string>] => [`connectAuth=${mode}, everything on`, { ...EVERYTHING, ...context }]),
  ];
  it.each(configurations)('passes with template validation on, %s: every finding fixed or acknowledged, no template warnings', (_what, context) => {
    const dir = outdir();
    const { app } = testApp({ nag: true, validation: true, outdir: dir, context });
    const { report, error } = synthReport(app, dir);
    const findings = report.pluginReports.flatMap((p) =>
      p.violations.flatMap((v) => v.violatingConstructs.map((c) => `${p.pluginName} ${v.severity} ${v.ruleName} at ${c.constructPath}`)),
    );
    expect(findings).toEqual([]);
    expect(error).toBeUndefined();
  });

  it('acknowledges only rules that really fire, each with a written reason', () => {
    // The same stacks without acknowledgements (and without the slow template validation), in every sign-in mode.
    const reports = [EVERYTHING, ...Object.values(SIGN_IN).map((context) => ({ ...EVERYTHING, ...context }))].map((context) => {
      const dir = outdir();
      const app = new App({
        context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
        builtinCloudFormationValidation: false,
        outdir: dir,
      });
      new ChatStack(app, 'Bare', { config: loadConfig((key) => context[key], {}) });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      const { report, error } = synthReport(app, dir);
      expect(error).toBeDefined();
      return report;
    });
    const report = { pluginReports: reports.flatMap((r) => r.pluginReports) };

    const fired = new Set(report.pluginReports.flatMap((p) => p.violations.map((v) => v.ruleName.replace(/\[.*$/, ''))));
    // Nothing fires that has no reason written down, and no reason is kept for a rule that no longer fires.
    const reasons = Object.keys(REASONS).filter((key): key is keyof typeof REASONS => key in REASONS);
    expect([...fired].sort()).toEqual([...new Set(reasons.map(ruleOf))].sort());
    for (const [rule, reason] of Object.entries(REASONS)) {
      expect(reason.length, rule).toBeGreaterThan(80);
    }
    // The IAM5 findings are the ManageConnections resources, and nothing else wildcarded.
    const iam5 = report.pluginReports.flatMap((p) => p.violations.filter((v) => v.ruleName.startsWith('AwsSolutions-IAM5')));
    // (and, with tracing, X-Ray's "*", which has no resources to name).
    for (const v of iam5) {
      expect(v.ruleName).toMatch(/^AwsSolutions-IAM5\[Resource::(arn:.*:execute-api:.*\/prod\/(POST|GET|DELETE)\/@connections\/\*|\*)\]$/);
    }
  });
});
