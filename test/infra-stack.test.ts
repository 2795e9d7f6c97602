// Template tests for the CDK stack (infra/). One synthesis (no bundling, no template validation) is
// shared by every assertion on the default configuration; the configuration tests synthesize their own.
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLE_SCHEMA } from '../functions/table.ts';
import { ROUTE_HANDLERS } from '../infra/routes.ts';
import { testApp } from '../infra/testing.ts';

type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

function synth(options: Parameters<typeof testApp>[0] = {}): Template {
  return Template.fromStack(testApp(options).stack);
}

/** Logical id of the one resource of `type` whose construct path contains `/{routeId}/`. */
function resourceOf(template: Template, type: string, routeId: string): [string, Resource] {
  const matches = Object.entries(template.findResources(type) as Record<string, Resource & { Metadata?: { 'aws:cdk:path'?: string } }>)
    .filter(([id]) => id.startsWith(routeId));
  expect(matches, `${type} for ${routeId}`).toHaveLength(1);
  return matches[0]!;
}

function statementsOf(template: Template, routeId: string): Statement[] {
  const [roleId] = resourceOf(template, 'AWS::IAM::Role', routeId);
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>).filter((p) =>
    JSON.stringify(p.Properties?.['Roles']).includes(roleId),
  );
  return policies.flatMap((p) => (p.Properties?.['PolicyDocument'] as { Statement: Statement[] }).Statement);
}

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

describe('chat stack, default configuration', () => {
  let template: Template;
  beforeAll(() => {
    template = synth();
  });

  it('has one WebSocket API routing on $request.body.action', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
  });

  it('has exactly the four routes, each with a Lambda proxy integration to its own function', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 4);
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 4);
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route') as Record<string, Resource>);
    expect(routes.map((r) => r.Properties?.['RouteKey']).sort()).toEqual(['$connect', '$default', '$disconnect', 'message']);

    const integrations = template.findResources('AWS::ApiGatewayV2::Integration') as Record<string, Resource>;
    for (const route of ROUTE_HANDLERS) {
      const r = routes.find((x) => x.Properties?.['RouteKey'] === route.routeKey)!;
      // Target is "integrations/<IntegrationId>".
      const target = JSON.stringify(r.Properties?.['Target']);
      const [integrationId, integration] = Object.entries(integrations).find(([id]) => target.includes(id))!;
      expect(integrationId).toContain(route.id);
      expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY' });
      const [fnId] = resourceOf(template, 'AWS::Lambda::Function', route.id);
      expect(JSON.stringify(integration.Properties?.['IntegrationUri'])).toContain(fnId);
    }
    // API Gateway may invoke each function (and only from this API).
    template.resourceCountIs('AWS::Lambda::Permission', 4);
    template.allResourcesProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: Match.anyValue(),
    });
  });

  it('deploys stage "prod" automatically, with default route throttling', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
    });
  });

  it('runs every handler on nodejs22.x, arm64, ESM entry, sized per routes.ts', () => {
    template.resourceCountIs('AWS::Lambda::Function', ROUTE_HANDLERS.length);
    for (const route of ROUTE_HANDLERS) {
      const [, fn] = resourceOf(template, 'AWS::Lambda::Function', route.id);
      expect(fn.Properties, route.routeKey).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: route.memoryMb,
        Timeout: route.timeoutSeconds,
      });
    }
  });

  it('gives every function the table name, the stage callback URL and the logger settings', () => {
    const [tableId] = Object.keys(template.findResources('AWS::DynamoDB::Table'));
    const [apiId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'));
    for (const route of ROUTE_HANDLERS) {
      const [, fn] = resourceOf(template, 'AWS::Lambda::Function', route.id);
      const vars = (fn.Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables;
      expect(vars['TABLE_NAME']).toEqual({ Ref: tableId });
      expect(vars).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'wschat',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      });
      expect(vars).not.toHaveProperty('FANOUT_CONCURRENCY');
      // https://{apiId}.execute-api.{region}.{urlSuffix}/prod
      expect(vars['CALLBACK_URL']).toEqual({
        'Fn::Join': ['', ['https://', { Ref: apiId }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/prod']],
      });
    }
  });

  it('builds the table from TABLE_SCHEMA: key, sparse members index, projection, TTL, PITR, on-demand', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    const { partitionKey, membersIndex, ttlAttribute } = TABLE_SCHEMA;
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: partitionKey.name, KeyType: 'HASH' }],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: partitionKey.name, AttributeType: 'S' },
        { AttributeName: membersIndex.partitionKey.name, AttributeType: 'S' },
        { AttributeName: membersIndex.sortKey.name, AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        {
          IndexName: membersIndex.name,
          KeySchema: [
            { AttributeName: membersIndex.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: membersIndex.sortKey.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...membersIndex.nonKeyAttributes] },
        },
      ],
      TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    // Exactly the three key attributes: nothing else is declared (DynamoDB rejects unused definitions).
    const [table] = Object.values(template.findResources('AWS::DynamoDB::Table') as Record<string, Resource>);
    expect(table!.Properties?.['AttributeDefinitions']).toHaveLength(3);
  });

  it('retains the table and the log groups by default', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  });

  it('gives every function its own log group with retention, and uses it', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', ROUTE_HANDLERS.length);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
    for (const route of ROUTE_HANDLERS) {
      const [logGroupId] = resourceOf(template, 'AWS::Logs::LogGroup', route.id);
      const [, fn] = resourceOf(template, 'AWS::Lambda::Function', route.id);
      expect(fn.Properties?.['LoggingConfig']).toEqual({ LogGroup: { Ref: logGroupId } });
    }
  });

  it('grants each function only the table actions routes.ts lists, on the table and the members index', () => {
    const [tableId] = Object.keys(template.findResources('AWS::DynamoDB::Table'));
    for (const route of ROUTE_HANDLERS) {
      const statements = statementsOf(template, route.id).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
      const onTable = statements.filter((s) => JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::GetAtt': [tableId, 'Arn'] }));
      expect(onTable.flatMap(actionsOf).sort(), route.routeKey).toEqual([...route.table].sort());
      const onIndex = statements.filter((s) => JSON.stringify(s.Resource).includes(`/index/${TABLE_SCHEMA.membersIndex.name}`));
      expect(onIndex.flatMap(actionsOf), route.routeKey).toEqual(route.table.includes('dynamodb:Query') ? ['dynamodb:Query'] : []);
      expect(statements).toHaveLength(onTable.length + onIndex.length);
    }
  });

  it('never grants dynamodb:*, Scan, or any action on a wildcard resource', () => {
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)) {
      for (const s of (policy.Properties?.['PolicyDocument'] as { Statement: Statement[] }).Statement) {
        expect(actionsOf(s)).not.toContain('dynamodb:*');
        expect(actionsOf(s)).not.toContain('dynamodb:Scan');
        expect(actionsOf(s).filter((a) => a.endsWith('*'))).toEqual([]);
        expect(resourcesOf(s)).not.toContain('*');
      }
    }
    // No managed policies (AWSLambdaBasicExecutionRole could write to every log group).
    for (const role of Object.values(template.findResources('AWS::IAM::Role') as Record<string, Resource>)) {
      expect(role.Properties?.['ManagedPolicyArns']).toBeUndefined();
    }
  });

  it('scopes execute-api:ManageConnections to this API, this stage, listed methods', () => {
    const [apiId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'));
    for (const route of ROUTE_HANDLERS) {
      const statements = statementsOf(template, route.id).filter((s) => actionsOf(s).some((a) => a.startsWith('execute-api:')));
      expect(statements).toHaveLength(1);
      const s = statements[0]!;
      expect(actionsOf(s)).toEqual(['execute-api:ManageConnections']);
      const sorted = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).sort();
      expect(sorted(resourcesOf(s))).toEqual(
        sorted(route.connections.map((method) => ({
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':execute-api:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':',
              { Ref: apiId },
              `/prod/${method}/@connections/*`,
            ],
          ],
        }))),
      );
    }
  });

  it('lets each function write only to its own log group', () => {
    for (const route of ROUTE_HANDLERS) {
      const [logGroupId] = resourceOf(template, 'AWS::Logs::LogGroup', route.id);
      const logs = statementsOf(template, route.id).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
      expect(logs).toHaveLength(1);
      expect(actionsOf(logs[0]!).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      expect(logs[0]!.Resource).toEqual({ 'Fn::GetAtt': [logGroupId, 'Arn'] });
    }
  });

  it('outputs the wss:// URL, the callback URL and the table name', () => {
    const [apiId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'));
    const [tableId] = Object.keys(template.findResources('AWS::DynamoDB::Table'));
    const outputs = template.toJSON()['Outputs'] as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(['CallbackUrl', 'TableName', 'WebSocketUrl']);
    const host = [{ Ref: apiId }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/prod'];
    expect(outputs['WebSocketUrl']!.Value).toEqual({ 'Fn::Join': ['', ['wss://', ...host]] });
    expect(outputs['CallbackUrl']!.Value).toEqual({ 'Fn::Join': ['', ['https://', ...host]] });
    expect(outputs['TableName']!.Value).toEqual({ Ref: tableId });
  });
});

describe('chat stack, configured', () => {
  it('takes stage, throttling, retention, removal policy, log level and fan-out from context', () => {
    const template = synth({
      context: {
        stage: 'dev',
        throttleBurst: '20',
        throttleRate: 5.5,
        logRetentionDays: '3',
        removalPolicy: 'destroy',
        logLevel: 'debug',
        fanoutConcurrency: '16',
      },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'dev',
      DefaultRouteSettings: { ThrottlingBurstLimit: 20, ThrottlingRateLimit: 5.5 },
    });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 3 });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_LOG_LEVEL: 'DEBUG', FANOUT_CONCURRENCY: '16' }) },
    });
    // The stage name flows into the callback URL and the ManageConnections resource.
    const json = JSON.stringify(template.toJSON());
    expect(json).toContain('/dev/POST/@connections/*');
    expect(json).not.toContain('/prod');
  });

  it('takes settings from WSCHAT_* environment variables, and names the stack', () => {
    const { stack } = testApp({ env: { WSCHAT_STAGE: 'staging', WSCHAT_STACK_NAME: 'wschat-dev', WSCHAT_THROTTLE_RATE: '1' } });
    expect(stack.stackName).toBe('wschat-dev');
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'staging',
      DefaultRouteSettings: { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 1 },
    });
  });

  it('refuses an invalid setting at synthesis instead of at deploy', () => {
    expect(() => testApp({ context: { removalPolicy: 'snapshot' } })).toThrow(/"destroy" or "retain"/);
    expect(() => testApp({ context: { logRetentionDays: '10' } })).toThrow(/not one CloudWatch accepts/);
  });
});
