// Synthesis helpers for the infra tests: the same feature flags as the CLI (read from cdk.json), and
// switches for the slow parts (bundling, aws-cdk-lib's template validation, cdk-nag).
import { App } from 'aws-cdk-lib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './bundling.ts';
import { addChatStack } from './chat-app.ts';
import type { ChatStack } from './chat-stack.ts';

/** The `context` block of cdk.json: recommended feature flags, so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export interface TestAppOptions {
  /** Extra context, e.g. `{ stage: 'dev' }`. */
  context?: Record<string, unknown>;
  /** Environment the config reads instead of process.env (default: none, so the host cannot leak in). */
  env?: Record<string, string | undefined>;
  /** Run esbuild (slow); default off via `aws:cdk:bundling-stacks: []`. */
  bundling?: boolean;
  /** aws-cdk-lib's built-in CloudFormation validation (≈3 s); default off. */
  validation?: boolean;
  nag?: boolean;
  outdir?: string;
}

export function testApp(options: TestAppOptions = {}): { app: App; stack: ChatStack } {
  const app = new App({
    context: {
      ...cdkJsonContext(),
      ...(options.bundling ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
    builtinCloudFormationValidation: options.validation ?? false,
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const stack = addChatStack(app, { nag: options.nag ?? false, env: options.env ?? {} });
  return { app, stack };
}
