// Template tests for the CDK stack (infra/). One synthesis (no bundling, no template validation) is
// shared by every assertion on the default configuration; the configuration tests synthesize their own.
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { keyAttributes, MEMBERS_INDEX, ROOMS_INDEX, TABLE_SCHEMA } from '../functions/table.ts';
import { LATER_CONSUMER, ROUTE_HANDLERS, SCHEDULED_ANNOUNCE } from '../infra/handlers.ts';
import { testApp } from '../infra/testing.ts';

type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

function synth(options: Parameters<typeof testApp>[0] = {}): Template {
  return Template.fromStack(testApp(options).stack);
}

/** Every Lambda of the stack by the logical-id prefix of its resources (function, role, log group). */
const FUNCTIONS = [
  ...ROUTE_HANDLERS.map((route) => ({ prefix: route.id, spec: route })),
  { prefix: 'AnnounceFunction', spec: SCHEDULED_ANNOUNCE },
  { prefix: LATER_CONSUMER.id, spec: LATER_CONSUMER },
];

/**
 * The grants, written out here rather than read from infra/handlers.ts, so that widening that map (or
 * the stack) fails this test until someone looks. test/infra-permissions.test.ts checks that each
 * handler really makes these calls.
 */
// Every one of them may defer a leave (sqs:SendMessage on the deferred-work queue, nothing else of SQS);
// the consumer also has what its event source needs to receive and delete its messages.
const EXPECTED_GRANTS: Record<string, { items: string[]; queryMembers: boolean; queryRooms: boolean; connections: string[]; consumesQueue?: boolean }> = {
  // DELETE: a ?resume= closes the connection it takes the name from.
  OnConnect: { items: ['DeleteItem', 'GetItem', 'PutItem', 'UpdateItem'], queryMembers: true, queryRooms: false, connections: ['DELETE', 'GET', 'POST'] },
  OnDisconnect: { items: ['DeleteItem', 'PutItem', 'UpdateItem'], queryMembers: true, queryRooms: false, connections: ['POST'] },
  // DELETE: a resume closes the connection it takes the name from.
  OnMessage: { items: ['DeleteItem', 'GetItem', 'PutItem', 'UpdateItem'], queryMembers: true, queryRooms: true, connections: ['DELETE', 'GET', 'POST'] },
  OnDefault: { items: ['DeleteItem', 'GetItem', 'PutItem', 'UpdateItem'], queryMembers: true, queryRooms: true, connections: ['DELETE', 'GET', 'POST'] },
  AnnounceFunction: { items: ['DeleteItem', 'PutItem', 'UpdateItem'], queryMembers: true, queryRooms: true, connections: ['POST'] },
  // GET: a ?resume= welcome waits for its connection to open.
  RunLater: { items: ['DeleteItem', 'GetItem', 'PutItem', 'UpdateItem'], queryMembers: true, queryRooms: false, connections: ['GET', 'POST'], consumesQueue: true },
};
const CONSUME_ACTIONS = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'];

/** The one resource of `type` whose logical id starts with `prefix`. */
function resourceOf(template: Template, type: string, prefix: string): [string, Resource] {
  const matches = Object.entries(template.findResources(type) as Record<string, Resource>).filter(([id]) => id.startsWith(prefix));
  expect(matches, `${type} for ${prefix}`).toHaveLength(1);
  return matches[0]!;
}

function statementsOf(template: Template, prefix: string): Statement[] {
  const [roleId] = resourceOf(template, 'AWS::IAM::Role', prefix);
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>).filter((p) =>
    JSON.stringify(p.Properties?.['Roles']).includes(roleId),
  );
  return policies.flatMap((p) => (p.Properties?.['PolicyDocument'] as { Statement: Statement[] }).Statement);
}

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
const sorted = (xs: unknown[]): string[] => xs.map((x) => JSON.stringify(x)).sort();

/** arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{method}/@connections/* */
function connectionsArn(apiId: string, stage: string, method: string): unknown {
  return {
    'Fn::Join': [
      '',
      ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', { Ref: apiId }, `/${stage}/${method}/@connections/*`],
    ],
  };
}

describe('chat stack, default configuration', () => {
  let template: Template;
  let tableId: string;
  let apiId: string;
  let queueId: string;
  beforeAll(() => {
    template = synth();
    [queueId] = resourceOf(template, 'AWS::SQS::Queue', 'LaterQueueTasks');
    [tableId] = Object.keys(template.findResources('AWS::DynamoDB::Table')) as [string];
    [apiId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Api')) as [string];
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
  });

  it('lets API Gateway invoke each route function from this API only, and EventBridge the scheduled one from its rule', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission') as Record<string, Resource>);
    expect(permissions).toHaveLength(ROUTE_HANDLERS.length + 1);
    for (const route of ROUTE_HANDLERS) {
      const [fnId] = resourceOf(template, 'AWS::Lambda::Function', route.id);
      const mine = permissions.filter((p) => JSON.stringify(p.Properties?.['FunctionName']).includes(fnId));
      expect(mine, route.routeKey).toHaveLength(1);
      expect(mine[0]!.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
      expect(JSON.stringify(mine[0]!.Properties?.['SourceArn'])).toContain(JSON.stringify({ Ref: apiId }));
    }
    const [announceId] = resourceOf(template, 'AWS::Lambda::Function', 'AnnounceFunction');
    const [ruleId] = resourceOf(template, 'AWS::Events::Rule', 'Announce');
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [announceId, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
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

  it('runs every handler on nodejs22.x, arm64, ESM entry, sized per handlers.ts', () => {
    template.resourceCountIs('AWS::Lambda::Function', FUNCTIONS.length);
    for (const { prefix, spec } of FUNCTIONS) {
      const [, fn] = resourceOf(template, 'AWS::Lambda::Function', prefix);
      expect(fn.Properties, prefix).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: spec.memoryMb,
        Timeout: spec.timeoutSeconds,
      });
      // Under API Gateway's 29 s integration timeout for the routes.
      if (ROUTE_HANDLERS.some((route) => route.id === prefix)) expect(spec.timeoutSeconds).toBeLessThan(29);
    }
  });

  it('gives every function the table name, the stage callback URL and the logger settings, and no unset tunables', () => {
    for (const { prefix } of FUNCTIONS) {
      const [, fn] = resourceOf(template, 'AWS::Lambda::Function', prefix);
      const vars = (fn.Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables;
      expect(vars['TABLE_NAME']).toEqual({ Ref: tableId });
      // https://{apiId}.execute-api.{region}.{urlSuffix}/prod: from the API id, so it survives a custom domain.
      expect(vars['CALLBACK_URL']).toEqual({
        'Fn::Join': ['', ['https://', { Ref: apiId }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/prod']],
      });
      expect(vars).toEqual({
        TABLE_NAME: expect.anything(),
        CALLBACK_URL: expect.anything(),
        LATER_QUEUE_URL: { Ref: queueId },
        POWERTOOLS_SERVICE_NAME: 'wschat',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        LOG_LEVEL: 'INFO',
        // Stack traces mapped to the sources on the first one formatted, not NODE_OPTIONS=--enable-source-maps.
        SOURCE_MAPPED_STACKS: 'true',
      });
    }
  });

  it('builds the table from TABLE_SCHEMA: key, sparse members and rooms indexes, projections, TTL, PITR, on-demand', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    const { partitionKey, indexes, ttlAttribute } = TABLE_SCHEMA;
    const keys = keyAttributes(TABLE_SCHEMA);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: partitionKey.name, KeyType: 'HASH' }],
      AttributeDefinitions: Match.arrayWith(keys.map((key) => ({ AttributeName: key.name, AttributeType: key.type }))),
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.nonKeyAttributes] },
      })),
      TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    // Exactly the key attributes (pk; room, nicknameKey; registry, members): DynamoDB rejects unused definitions.
    const [table] = Object.values(template.findResources('AWS::DynamoDB::Table') as Record<string, Resource>);
    expect(keys).toHaveLength(5);
    expect(table!.Properties?.['AttributeDefinitions']).toHaveLength(keys.length);
  });

  it('retains the table and the log groups by default', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  });

  it('gives every function its own log group with retention, and uses it', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', FUNCTIONS.length);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
    for (const { prefix } of FUNCTIONS) {
      const [logGroupId] = resourceOf(template, 'AWS::Logs::LogGroup', prefix);
      const [, fn] = resourceOf(template, 'AWS::Lambda::Function', prefix);
      expect(fn.Properties?.['LoggingConfig']).toEqual({ LogGroup: { Ref: logGroupId } });
    }
  });

  it('grants each function exactly its statements: own log group, its item actions on the table, Query on the index, its @connections methods', () => {
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    const indexArn = (name: string) => ({ 'Fn::Join': ['', [tableArn, `/index/${name}`]] });
    const queueArn = { 'Fn::GetAtt': [queueId, 'Arn'] };
    expect(Object.keys(EXPECTED_GRANTS).sort()).toEqual(FUNCTIONS.map((f) => f.prefix).sort());
    for (const { prefix } of FUNCTIONS) {
      const grants = EXPECTED_GRANTS[prefix]!;
      const [logGroupId] = resourceOf(template, 'AWS::Logs::LogGroup', prefix);
      const expected = [
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
        { Effect: 'Allow', Action: grants.items.map((a) => `dynamodb:${a}`), Resource: tableArn },
        // One statement for the indexes a function queries, each by name.
        { Effect: 'Allow', Action: 'dynamodb:Query', Resource: [...(grants.queryMembers ? [MEMBERS_INDEX] : []), ...(grants.queryRooms ? [ROOMS_INDEX] : [])].map(indexArn) },
        { Effect: 'Allow', Action: 'execute-api:ManageConnections', Resource: grants.connections.map((m) => connectionsArn(apiId, 'prod', m)) },
        // CDK merges the event source's grant into the consumer's SendMessage statement (one resource).
        { Effect: 'Allow', Action: grants.consumesQueue ? [...CONSUME_ACTIONS, 'sqs:SendMessage'] : 'sqs:SendMessage', Resource: queueArn },
      ];
      // Order-insensitive: actions and resources sorted within each statement, statements sorted.
      const normalise = (s: Statement) =>
        JSON.stringify({ Effect: s.Effect, Action: actionsOf(s).sort(), Resource: sorted(resourcesOf(s)) });
      expect(statementsOf(template, prefix).map(normalise).sort(), prefix).toEqual(expected.map((s) => normalise(s as Statement)).sort());
    }
  });

  it('never grants dynamodb:*, Scan, batch or wildcard actions, nor anything on a wildcard resource', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>);
    expect(policies).toHaveLength(FUNCTIONS.length);
    for (const policy of policies) {
      for (const s of (policy.Properties?.['PolicyDocument'] as { Statement: Statement[] }).Statement) {
        expect(s.Effect).toBe('Allow');
        for (const action of actionsOf(s)) {
          expect(action).not.toContain('*');
          expect(action).not.toMatch(/^dynamodb:(Scan|Batch|Transact|PartiQL|DescribeTable|CreateTable|DeleteTable|UpdateTable)/);
        }
        for (const resource of resourcesOf(s)) {
          expect(resource).not.toBe('*');
          // Any wildcard sits only at the connection id: never in the API id, stage or method.
          const text = JSON.stringify(resource);
          if (text.includes('*')) expect(text).toMatch(/"\/prod\/(POST|GET|DELETE)\/@connections\/\*"/);
          if (text.includes('*')) expect(text.match(/\*/g)).toHaveLength(1);
        }
      }
    }
    // No managed policies (AWSLambdaBasicExecutionRole could write to every log group), no inline ones.
    for (const role of Object.values(template.findResources('AWS::IAM::Role') as Record<string, Resource>)) {
      expect(role.Properties?.['ManagedPolicyArns']).toBeUndefined();
      expect(role.Properties?.['Policies']).toBeUndefined();
    }
  });

  it('has the deferred-work queue: SQS-managed encryption, TLS only, a dead-letter queue after 3 receives, consumed per record by its function', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    const [deadLettersId] = resourceOf(template, 'AWS::SQS::Queue', 'LaterQueueDeadLetters');
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * LATER_CONSUMER.timeoutSeconds,
      MessageRetentionPeriod: 86_400,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLettersId, 'Arn'] }, maxReceiveCount: 3 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    // enforceSSL: each queue's policy denies every request not over TLS.
    template.resourceCountIs('AWS::SQS::QueuePolicy', 2);
    template.allResourcesProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
    const [consumerId] = resourceOf(template, 'AWS::Lambda::Function', LATER_CONSUMER.id);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: consumerId },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('has the scheduled announcement rule, disabled, hourly, targeting its function without Lambda retries', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    const [announceId] = resourceOf(template, 'AWS::Lambda::Function', 'AnnounceFunction');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'DISABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [announceId, 'Arn'] }, RetryPolicy: { MaximumEventAgeInSeconds: 300 } })],
    });
    // A retried run would repeat the notice to everyone it already reached.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: announceId }, MaximumRetryAttempts: 0 });
  });

  it('outputs the wss:// URL, the callback URL and the table name', () => {
    const outputs = template.toJSON()['Outputs'] as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(['CallbackUrl', 'TableName', 'WebSocketUrl']);
    const host = [{ Ref: apiId }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/prod'];
    expect(outputs['WebSocketUrl']!.Value).toEqual({ 'Fn::Join': ['', ['wss://', ...host]] });
    expect(outputs['CallbackUrl']!.Value).toEqual({ 'Fn::Join': ['', ['https://', ...host]] });
    expect(outputs['TableName']!.Value).toEqual({ Ref: tableId });
  });
});

describe('chat stack, configured', () => {
  it('takes stage, throttling, retention, removal policy, log level, handler tunables and the schedule from context', () => {
    const template = synth({
      context: {
        stage: 'dev',
        throttleBurst: '20',
        throttleRate: 5.5,
        logRetentionDays: '3',
        removalPolicy: 'destroy',
        logLevel: 'debug',
        fanoutConcurrency: '16',
        connectGraceMs: '10000',
        claimSettleMs: 5000,
        rateLimitFrames: '60',
        scheduledAnnounce: 'true',
        announceSchedule: 'rate(15 minutes)',
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
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_LOG_LEVEL: 'DEBUG',
          FANOUT_CONCURRENCY: '16',
          CONNECT_GRACE_MS: '10000',
          CLAIM_SETTLE_MS: '5000',
          RATE_LIMIT_FRAMES: '60',
        }),
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)', State: 'ENABLED' });
    // The stage name flows into the callback URL and the ManageConnections resource.
    const json = JSON.stringify(template.toJSON());
    expect(json).toContain('/dev/POST/@connections/*');
    expect(json).not.toContain('/prod');
  });

  it('takes settings from WSCHAT_* environment variables, and names the stack', () => {
    const { stack } = testApp({
      env: { WSCHAT_STAGE: 'staging', WSCHAT_STACK_NAME: 'wschat-dev', WSCHAT_THROTTLE_RATE: '1', WSCHAT_SCHEDULED_ANNOUNCE: 'true' },
    });
    expect(stack.stackName).toBe('wschat-dev');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'staging',
      DefaultRouteSettings: { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 1 },
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)', State: 'ENABLED' });
  });

  it('refuses an invalid setting at synthesis instead of at deploy', () => {
    expect(() => testApp({ context: { removalPolicy: 'snapshot' } })).toThrow(/"destroy" or "retain"/);
    expect(() => testApp({ context: { logRetentionDays: '10' } })).toThrow(/not one CloudWatch accepts/);
    expect(() => testApp({ context: { announceSchedule: 'rate(1 hours)' } })).toThrow(/EventBridge schedule/);
  });
});
