// Builds the app's one stack from context/env settings; shared by infra/app.ts and the tests so both
// synthesize the same thing.
import { Tags, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ChatStack } from './chat-stack.ts';
import { loadConfig } from './config.ts';
import { acknowledgeNagFindings } from './nag.ts';

export interface ChatAppOptions {
  /** Run cdk-nag's AwsSolutions pack on synthesis (unacknowledged findings fail it). */
  nag?: boolean;
  env?: Record<string, string | undefined>;
}

export function addChatStack(app: App, options: ChatAppOptions = {}): ChatStack {
  const config = loadConfig((key) => app.node.tryGetContext(key), options.env ?? process.env);
  // Environment-agnostic: region and account stay tokens, so synth needs no credentials.
  const stack = new ChatStack(app, config.stackName, {
    config,
    description: 'wschat: serverless WebSocket chat (API Gateway WebSocket, Lambda, DynamoDB)',
  });
  Tags.of(stack).add('project', 'wschat');
  acknowledgeNagFindings(stack);
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
