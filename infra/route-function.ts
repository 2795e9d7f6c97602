// One route's Lambda: its own role (only the grants from routes.ts, no managed policies), its own
// log group with retention, and the bundled handler.
import { Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { MEMBERS_INDEX } from '../functions/table.ts';
import { BUNDLING, PROJECT_ROOT } from './bundling.ts';
import type { RouteHandler } from './routes.ts';

export interface RouteFunctionProps {
  route: RouteHandler;
  table: ITable;
  apiId: string;
  stageName: string;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

export class RouteFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly route: RouteHandler;

  constructor(scope: Construct, id: string, props: RouteFunctionProps) {
    super(scope, id);
    const { route } = props;
    this.route = route;

    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });

    // A role of our own instead of AWSLambdaBasicExecutionRole: that managed policy may write to any log group.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `wschat ${route.routeKey} handler`,
    });
    logGroup.grantWrite(this.role);

    if (route.table.length > 0) {
      this.role.addToPolicy(new PolicyStatement({ actions: [...route.table], resources: [props.table.tableArn] }));
    }
    if (route.table.includes('dynamodb:Query')) {
      // The members index is the only one; name it rather than `index/*`.
      this.role.addToPolicy(
        new PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${props.table.tableArn}/index/${MEMBERS_INDEX}`] }),
      );
    }

    if (route.connections.length > 0) {
      // arn:…:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/@connections/* — this API, this stage only.
      const stack = Stack.of(this);
      this.role.addToPolicy(
        new PolicyStatement({
          actions: ['execute-api:ManageConnections'],
          resources: route.connections.map((method) =>
            stack.formatArn({ service: 'execute-api', resource: props.apiId, resourceName: `${props.stageName}/${method}/@connections/*` }),
          ),
        }),
      );
    }

    this.fn = new NodejsFunction(this, 'Handler', {
      entry: join(PROJECT_ROOT, route.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: route.memoryMb,
      timeout: Duration.seconds(route.timeoutSeconds),
      role: this.role,
      logGroup,
      environment: props.environment,
      bundling: BUNDLING,
      description: `wschat ${route.routeKey} route`,
    });
  }
}
