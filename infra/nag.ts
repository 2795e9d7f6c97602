// cdk-nag AwsSolutions findings that do not apply to this stack, each acknowledged where it arises,
// with its reason. The rest of what the pack checks is fixed in the stack itself (own roles instead of
// AWSLambdaBasicExecutionRole, PITR on the table, the index named instead of index/*, log retention).
import { Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { ChatStack } from './chat-stack.ts';

export const REASONS = {
  'AwsSolutions-APIG4':
    'Public chat by design: anyone may connect and pick a nickname; there are no accounts to authorize. ' +
    'API Gateway runs authorizers on $connect only, so the other routes could not have one anyway; stage throttling caps abuse.',
  'AwsSolutions-APIG1':
    'WebSocket access logging needs the account-wide API Gateway CloudWatch role (AWS::ApiGateway::Account), a ' +
    'per-Region singleton this stack must not own or overwrite. Each handler logs every event (route, connection id, ' +
    'request id) to its own log group with retention instead.',
  'AwsSolutions-L1':
    'nodejs22.x on purpose: the bundles are built for it (esbuild target node22) and tested with it; moving to a newer ' +
    'runtime is a deliberate change (retarget, retest), not one a lint rule should make.',
  'AwsSolutions-IAM5':
    'Connection ids exist only at run time, so @connections/* is as narrow as this resource gets: this API, this stage, ' +
    'one HTTP method; never a wildcard API, stage or method.',
  // Only with `-c tracing=true`: the grant Lambda's active tracing adds to each role.
  'AwsSolutions-IAM5 (X-Ray)':
    'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so X-Ray requires "*"; ' +
    'the statement is the one CDK adds for active tracing, write-only, and exists only with -c tracing=true.',
} as const;

/** A ManageConnections resource as cdk-nag prints it (tokens rendered as `<LogicalId>`). */
export function connectionsFinding(apiLogicalId: string, stageName: string, method: string): string {
  return `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiLogicalId}>/${stageName}/${method}/@connections/*]`;
}

/** The rule a reason is for: its key without the ` (…)` that tells two reasons for one rule apart. */
export const ruleOf = (reason: keyof typeof REASONS): string => reason.replace(/ \(.*\)$/, '');

function acknowledge(scope: IConstruct, id: string, rule: keyof typeof REASONS): void {
  Validations.of(scope).acknowledge({ id, reason: REASONS[rule] });
}

export function acknowledgeNagFindings(stack: ChatStack): void {
  acknowledge(stack.api, 'AwsSolutions-APIG4', 'AwsSolutions-APIG4');
  acknowledge(stack.stage, 'AwsSolutions-APIG1', 'AwsSolutions-APIG1');
  const apiLogicalId = stack.getLogicalId(stack.api.node.defaultChild as CfnElement);
  for (const fn of stack.allFunctions) {
    acknowledge(fn.fn, 'AwsSolutions-L1', 'AwsSolutions-L1');
    for (const method of fn.spec.connections) {
      acknowledge(fn.role, connectionsFinding(apiLogicalId, stack.stage.stageName, method), 'AwsSolutions-IAM5');
    }
    if (fn.traced) acknowledge(fn.role, 'AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-IAM5 (X-Ray)');
  }
}
