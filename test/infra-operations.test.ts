// Template tests for the operations flags (infra/operations.ts, infra/chat-function.ts): nothing without
// them; with `-c alarms=true` each alarm on its metric, threshold and comparison, one dashboard, and with
// `-c alarmEmail=…` an SSL-only SNS topic that every alarm notifies; `-c tracing=true` X-Ray on every function.
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRICS, type MetricKey } from '../functions/metrics.ts';
import { SETTINGS } from '../functions/settings.ts';
import { LATER_CONSUMER, ROUTE_HANDLERS, SCHEDULED_ANNOUNCE } from '../infra/handlers.ts';
import { METRIC_ROUTES, THRESHOLDS } from '../infra/operations.ts';
import { testApp } from '../infra/testing.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
interface MetricStat {
  Id: string;
  Expression?: string;
  MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: unknown }[] }; Stat: string; Period: number };
}

const synth = (context: Record<string, string> = {}): Template => Template.fromStack(testApp({ context }).stack);

/** The construct ids of the functions (alarm ids start with them) and their timeouts. */
const FUNCTIONS = [...ROUTE_HANDLERS, SCHEDULED_ANNOUNCE, LATER_CONSUMER].map((spec) => ({ id: spec.id, timeoutSeconds: spec.timeoutSeconds }));
const DASHBOARD_METRICS: readonly MetricKey[] = ['delivered', 'gone', 'failed', 'recipients', 'fanoutDuration', 'rateLimited'];
const ALARM_COUNT = 2 + FUNCTIONS.length * 3 + 3;

/** The one alarm whose logical id is `Operations{id}` plus CDK's hash. */
function alarmOf(template: Template, id: string): Record<string, unknown> {
  const matches = Object.entries(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>).filter(([logicalId]) =>
    new RegExp(`^Operations${id}[0-9A-F]{8}$`).test(logicalId),
  );
  expect(matches, id).toHaveLength(1);
  return matches[0]![1].Properties;
}

const metricsOf = (alarm: Record<string, unknown>): MetricStat[] => alarm['Metrics'] as MetricStat[];
const dimensions = (stat: MetricStat) => Object.fromEntries((stat.MetricStat?.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));

describe('without the flags', () => {
  let template: Template;
  beforeAll(() => {
    template = synth();
  });

  it('has no alarm, no dashboard, no topic', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('traces nothing and grants no X-Ray', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function') as Record<string, Resource>)) {
      expect(fn.Properties['TracingConfig']).toBeUndefined();
    }
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('xray:');
  });
});

describe('-c alarms=true', () => {
  let template: Template;
  let apiId: string;
  beforeAll(() => {
    template = synth({ alarms: 'true' });
    [apiId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Api')) as [string];
  });

  it(`has ${ALARM_COUNT} alarms, none with an action (no email given), and one dashboard`, () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', ALARM_COUNT);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>)) {
      expect(alarm.Properties['AlarmActions']).toBeUndefined();
      expect(alarm.Properties['ComparisonOperator']).toBe('GreaterThanOrEqualToThreshold');
      expect(alarm.Properties['TreatMissingData']).toBe('notBreaching');
    }
  });

  it.each([
    ['ApiIntegrationErrorRate', 'IntegrationError'],
    ['ApiExecutionErrorRate', 'ExecutionError'],
  ])('%s: 100 × %s / (ConnectCount + MessageCount) of the stage, ≥ 1 % in 2 of 3 five-minute periods', (id, errorMetric) => {
    const alarm = alarmOf(template, id);
    expect(alarm).toMatchObject({ Threshold: THRESHOLDS.apiErrorRatePercent, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    const metrics = metricsOf(alarm);
    const prefix = errorMetric === 'IntegrationError' ? 'integration' : 'execution';
    expect(metrics.find((m) => m.Expression?.startsWith('IF('))?.Expression).toBe(`IF(${prefix}Requests > 0, 100 * ${prefix}Errors / ${prefix}Requests, 0)`);
    expect(metrics.find((m) => m.Id === `${prefix}Requests`)?.Expression).toBe(`${prefix}Connects + ${prefix}Messages`);
    const byName = Object.fromEntries(metrics.flatMap((m) => (m.MetricStat ? [[m.MetricStat.Metric.MetricName, m] as const] : [])));
    expect(Object.keys(byName).sort()).toEqual(['ConnectCount', errorMetric, 'MessageCount'].sort());
    for (const stat of Object.values(byName)) {
      expect(stat.MetricStat).toMatchObject({ Metric: { Namespace: 'AWS/ApiGateway' }, Stat: 'Sum', Period: 300 });
      expect(dimensions(stat)).toEqual({ ApiId: { Ref: apiId }, Stage: 'prod' });
    }
  });

  it.each(FUNCTIONS)('$id: errors ≥ 1, throttles ≥ 1, maximum duration ≥ 80 % of its $timeoutSeconds s timeout', ({ id, timeoutSeconds }) => {
    const fnRef = { Ref: Match.stringLikeRegexp(`^${id === SCHEDULED_ANNOUNCE.id ? 'Announce' : id}`) };
    for (const [suffix, metricName, statistic, threshold] of [
      ['Errors', 'Errors', 'Sum', THRESHOLDS.functionErrors],
      ['Throttles', 'Throttles', 'Sum', THRESHOLDS.functionThrottles],
      ['DurationNearTimeout', 'Duration', 'Maximum', timeoutSeconds * 1000 * THRESHOLDS.durationOfTimeout],
    ] as const) {
      const alarm = alarmOf(template, `${id}${suffix}`);
      expect(alarm).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: metricName, Statistic: statistic, Period: 300, Threshold: threshold, EvaluationPeriods: 1 });
      expect(Match.objectLike({ Dimensions: [{ Name: 'FunctionName', Value: fnRef }] }).test(alarm).isSuccess, `${id}${suffix}`).toBe(true);
    }
  });

  it('DynamoDBThrottles: ThrottledRequests of the table for every operation the handlers make, ≥ 1', () => {
    const alarm = alarmOf(template, 'DynamoDBThrottles');
    expect(alarm['Threshold']).toBe(THRESHOLDS.dynamodbThrottles);
    const [tableId] = Object.keys(template.findResources('AWS::DynamoDB::Table')) as [string];
    const stats = metricsOf(alarm).filter((m) => m.MetricStat);
    expect(stats.map((m) => dimensions(m)['Operation']).sort()).toEqual(['DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem']);
    for (const stat of stats) {
      expect(stat.MetricStat).toMatchObject({ Metric: { Namespace: 'AWS/DynamoDB', MetricName: 'ThrottledRequests' }, Stat: 'Sum' });
      expect(dimensions(stat)['TableName']).toEqual({ Ref: tableId });
    }
  });

  it(`DroppedDeliveries: the handlers' ${METRICS.failed.name} summed over every route, ≥ ${THRESHOLDS.droppedDeliveries}`, () => {
    const alarm = alarmOf(template, 'DroppedDeliveries');
    expect(alarm['Threshold']).toBe(THRESHOLDS.droppedDeliveries);
    const metrics = metricsOf(alarm);
    const stats = metrics.filter((m) => m.MetricStat);
    expect(metrics.find((m) => m.Expression)?.Expression).toBe(`SUM([${stats.map((m) => m.Id).join(', ')}])`);
    expect(stats.map((m) => dimensions(m)['route'])).toEqual([...METRIC_ROUTES]);
    for (const stat of stats) {
      expect(stat.MetricStat).toMatchObject({ Metric: { Namespace: SETTINGS.metricsNamespace.default, MetricName: METRICS.failed.name }, Stat: 'Sum' });
      expect(dimensions(stat)['stage']).toBe('prod');
    }
  });

  it('DeferredWorkDeadLetters: any task in the deferred-work dead-letter queue', () => {
    const [deadLettersId] = Object.keys(template.findResources('AWS::SQS::Queue')).filter((id) => id.startsWith('LaterQueueDeadLetters'));
    expect(alarmOf(template, 'DeferredWorkDeadLetters')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLettersId, 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('the dashboard shows the API, the functions, the table and the delivery figures', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard') as Record<string, Resource>);
    const body = JSON.stringify(dashboard?.Properties['DashboardBody']);
    for (const needle of ['AWS/ApiGateway', 'IntegrationError', 'AWS/Lambda', 'Throttles', 'ThrottledRequests', ...DASHBOARD_METRICS.map((key) => METRICS[key].name)]) {
      expect(body, needle).toContain(needle);
    }
  });

  it('follows -c metricsNamespace and -c stage', () => {
    const other = synth({ alarms: 'true', metricsNamespace: 'chat/dev', stage: 'dev' });
    const stats = metricsOf(alarmOf(other, 'DroppedDeliveries')).filter((m) => m.MetricStat);
    for (const stat of stats) {
      expect(stat.MetricStat?.Metric.Namespace).toBe('chat/dev');
      expect(dimensions(stat)['stage']).toBe('dev');
    }
  });
});

describe('-c alarms=true -c alarmEmail=…', () => {
  let template: Template;
  beforeAll(() => {
    template = synth({ alarms: 'true', alarmEmail: 'ops@example.com' });
  });

  it('has one topic that refuses non-SSL publishing, with the address subscribed', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic')) as [string];
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topicId } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('every alarm notifies the topic when it fires and when it recovers', () => {
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic')) as [string];
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>);
    expect(alarms).toHaveLength(ALARM_COUNT);
    for (const alarm of alarms) {
      expect(alarm.Properties['AlarmActions']).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties['OKActions']).toEqual([{ Ref: topicId }]);
    }
  });
});

describe('-c tracing=true', () => {
  it('turns on X-Ray active tracing for every function, with the grant to send traces', () => {
    const template = synth({ tracing: 'true' });
    const functions = Object.values(template.findResources('AWS::Lambda::Function') as Record<string, Resource>);
    expect(functions).toHaveLength(FUNCTIONS.length);
    for (const fn of functions) expect(fn.Properties['TracingConfig']).toEqual({ Mode: 'Active' });
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies.match(/xray:PutTraceSegments/g)).toHaveLength(FUNCTIONS.length);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0); // tracing alone adds no alarms
  });
});
