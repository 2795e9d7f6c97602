// One handler's Lambda: its own role (only the grants of its row in handlers.ts, no managed policies),
// its own log group with retention, and the bundled handler.
import { Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { MEMBERS_INDEX, ROOMS_INDEX } from '../functions/table.ts';
import { BUNDLING, PROJECT_ROOT } from './bundling.ts';
import type { HandlerSpec } from './handlers.ts';

export interface ChatFunctionProps {
  spec: HandlerSpec;
  table: ITable;
  apiId: string;
  stageName: string;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  /** X-Ray active tracing (`-c tracing=true`); off, the template does not mention it. */
  tracing: boolean;
  /** The shared-token secret, for a spec with `connectTokenSecret` (connectAuth=token). */
  connectTokenSecretArn?: string;
  /** The deferred-work queue, for a spec with `scheduleLater` (sqs:SendMessage on it, nothing else). */
  laterQueue?: IQueue;
  /** Lambda's own retries of an asynchronous invocation (EventBridge); default Lambda's 2. */
  asyncRetryAttempts?: number;
}

export class ChatFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly spec: HandlerSpec;
  /** X-Ray active tracing is on (its role then has the X-Ray grant, see infra/nag.ts). */
  readonly traced: boolean;

  constructor(scope: Construct, id: string, props: ChatFunctionProps) {
    super(scope, id);
    const { spec } = props;
    this.spec = spec;
    this.traced = props.tracing;

    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });

    // A role of our own instead of AWSLambdaBasicExecutionRole: that managed policy may write to any log group.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `wschat ${spec.purpose}`,
    });
    logGroup.grantWrite(this.role);

    if (spec.items.length > 0) {
      this.role.addToPolicy(new PolicyStatement({ actions: [...spec.items], resources: [props.table.tableArn] }));
    }
    // Each index by name (not `index/*`), and never the table: nothing queries the base table.
    for (const [wanted, index] of [[spec.queryMembers, MEMBERS_INDEX], [spec.queryRooms, ROOMS_INDEX]] as const) {
      if (wanted) this.role.addToPolicy(new PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${props.table.tableArn}/index/${index}`] }));
    }

    // Read-only and this one secret: GetSecretValue is the one call the authorizer makes (no DescribeSecret).
    if (spec.connectTokenSecret && props.connectTokenSecretArn) {
      this.role.addToPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.connectTokenSecretArn] }));
    }

    // SendMessage only: no SendMessageBatch, no receive or delete (the consumer's event source has those).
    if (spec.scheduleLater && props.laterQueue) {
      this.role.addToPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.laterQueue.queueArn] }));
    }

    if (spec.connections.length > 0) {
      // arn:…:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/@connections/* — this API, this stage only.
      const stack = Stack.of(this);
      this.role.addToPolicy(
        new PolicyStatement({
          actions: ['execute-api:ManageConnections'],
          resources: spec.connections.map((method) =>
            stack.formatArn({ service: 'execute-api', resource: props.apiId, resourceName: `${props.stageName}/${method}/@connections/*` }),
          ),
        }),
      );
    }

    this.fn = new NodejsFunction(this, 'Handler', {
      entry: join(PROJECT_ROOT, spec.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      role: this.role,
      logGroup,
      environment: props.environment,
      bundling: BUNDLING,
      description: `wschat: ${spec.purpose}`,
      ...(props.asyncRetryAttempts === undefined ? {} : { retryAttempts: props.asyncRetryAttempts }),
      // ACTIVE also grants the role xray:PutTraceSegments and PutTelemetryRecords (on *: X-Ray has no resources).
      ...(props.tracing ? { tracing: Tracing.ACTIVE } : {}),
    });
  }
}
