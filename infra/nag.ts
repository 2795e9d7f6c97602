// cdk-nag AwsSolutions findings that do not apply to this stack, each acknowledged where it arises,
// with its reason. The rest of what the pack checks is fixed in the stack itself (own roles instead of
// AWSLambdaBasicExecutionRole, PITR on the table, the index named instead of index/*, log retention).
import { Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { ChatStack } from './chat-stack.ts';

export const REASONS = {
  // Only with -c connectAuth=none (the default), on every route.
  'AwsSolutions-APIG4':
    'Public chat by design (connectAuth=none): anyone may connect and pick a nickname; sign-in is a deploy option ' +
    '(connectAuth=jwt, token or cognito, docs/deploy.md). Stage throttling caps abuse.',
  // With sign-in: $connect has the authorizer; these are the routes after it.
  'AwsSolutions-APIG4 (after $connect)':
    'API Gateway runs authorizers on $connect only: $disconnect, message and $default cannot have one. Each belongs to ' +
    'a connection the $connect authorizer allowed, and carries its identity (requestContext.authorizer).',
  // Only with -c connectAuth=token and no connectTokenSecretArn: the secret the stack generates.
  'AwsSolutions-SMG4':
    'The shared token is rotated by hand (docs/deploy.md, "Rotating the token"): clients hold it, so a rotation has to be ' +
    'announced to them; a rotation Lambda could not tell them. The authorizer picks a new value up within 5 minutes.',
  // Only with -c connectAuth=cognito: the user pool the stack creates as a worked example.
  'AwsSolutions-COG2':
    'MFA is optional (TOTP, for whoever enables it) in the example user pool: requiring it is each deployment\'s choice, ' +
    'and the pool is there to try sign-in with one deploy. Passwords are strong and users are created by an administrator.',
  'AwsSolutions-COG8':
    'The Plus feature plan (threat protection) costs per active user, which an example pool must not impose. Users are ' +
    'created by an administrator only (no self sign-up), passwords are strong and TOTP MFA is available to every user.',
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
  if (!stack.connectAuthorizer) acknowledge(stack.api, 'AwsSolutions-APIG4', 'AwsSolutions-APIG4');
  else {
    for (const [routeKey, route] of stack.routes) if (routeKey !== '$connect') acknowledge(route, 'AwsSolutions-APIG4', 'AwsSolutions-APIG4 (after $connect)');
    const { generatedSecret, userPool } = stack.connectAuthorizer;
    if (generatedSecret) acknowledge(generatedSecret, 'AwsSolutions-SMG4', 'AwsSolutions-SMG4');
    if (userPool) {
      acknowledge(userPool, 'AwsSolutions-COG2', 'AwsSolutions-COG2');
      acknowledge(userPool, 'AwsSolutions-COG8', 'AwsSolutions-COG8');
    }
  }
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
