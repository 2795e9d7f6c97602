// Alarms and one dashboard for the deployed chat (`-c alarms=true`): API Gateway's integration and
// execution error rates, each function's errors, throttles and duration near its timeout, DynamoDB
// throttling, the handlers' own dropped deliveries (functions/metrics.ts) and deferred work in the
// dead-letter queue. With `-c alarmEmail=…`
// every alarm (and its recovery) goes to an SNS topic with that address subscribed. docs/deploy.md,
// "Operations", has the thresholds' reasons and what they cost.
import { Duration } from 'aws-cdk-lib';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IWebSocketApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRICS, SCHEDULED_PUSH_ROUTE, type MetricKey } from '../functions/metrics.ts';
import type { ChatFunction } from './chat-function.ts';
import { ROUTE_HANDLERS } from './handlers.ts';

export interface OperationsProps {
  api: IWebSocketApi;
  stageName: string;
  functions: readonly ChatFunction[];
  table: ITable;
  /** The deferred-work dead-letter queue: a task there failed every try (a leave never announced, a welcome never sent). */
  deadLetters: IQueue;
  /** Where the handlers publish (the METRICS_NAMESPACE setting). */
  metricsNamespace: string;
  /** Mail every alarm here (SNS email subscription, confirmed by the recipient). */
  email: string | undefined;
}

/** Every alarm's period; CloudWatch bills standard-resolution alarms (60 s or more) at the lowest rate. */
export const ALARM_PERIOD = Duration.minutes(5);

/** The thresholds, in one place (docs/deploy.md explains each). */
export const THRESHOLDS = {
  /** % of the stage's requests (connects + messages, deliveries included) whose integration failed. */
  apiErrorRatePercent: 1,
  /** Lambda errors (the handler threw, or timed out) in a period, per function. */
  functionErrors: 1,
  /** Throttled invocations in a period, per function (reserved or account concurrency reached). */
  functionThrottles: 1,
  /** Maximum duration as a share of the function's timeout. */
  durationOfTimeout: 0.8,
  /** DynamoDB requests throttled in a period (after the SDK's retries some reach the sender as INTERNAL_ERROR). */
  dynamodbThrottles: 1,
  /** Deliveries that failed for good in a period (functions/metrics.ts DroppedDeliveries). */
  droppedDeliveries: 10,
} as const;

/** The `route` dimension values the handlers publish under: every API route and the scheduled push. */
export const METRIC_ROUTES: readonly string[] = [...ROUTE_HANDLERS.map((route) => route.routeKey), SCHEDULED_PUSH_ROUTE];

/** The DynamoDB calls the handlers make (infra/handlers.ts grants no others). */
const TABLE_OPERATIONS = [Operation.GET_ITEM, Operation.PUT_ITEM, Operation.UPDATE_ITEM, Operation.DELETE_ITEM, Operation.QUERY];

export class Operations extends Construct {
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;
  readonly topic: Topic | undefined;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { stageName } = props;
    const period = ALARM_PERIOD;

    const api = (metricName: string): Metric =>
      new Metric({ namespace: 'AWS/ApiGateway', metricName, dimensionsMap: { ApiId: props.api.apiId, Stage: stageName }, statistic: 'Sum', period });
    /** One of the handlers' metrics over every route (each route is its own series), as one series. */
    const handlers = (metric: MetricKey, statistic: 'Sum' | 'Maximum', label: string): MathExpression => {
      const usingMetrics: Record<string, IMetric> = {};
      METRIC_ROUTES.forEach((route, index) => {
        // Ids unique per metric: one graph may hold several of these expressions.
        usingMetrics[`${metric}${index}`] = new Metric({
          namespace: props.metricsNamespace,
          metricName: METRICS[metric].name,
          dimensionsMap: { stage: stageName, route },
          statistic,
          period,
        });
      });
      const fn = statistic === 'Sum' ? 'SUM' : 'MAX';
      return new MathExpression({ expression: `${fn}([${Object.keys(usingMetrics).join(', ')}])`, usingMetrics, label, period });
    };
    const errorRate = (errorMetric: 'IntegrationError' | 'ExecutionError'): MathExpression => {
      const id = errorMetric === 'IntegrationError' ? 'integration' : 'execution'; // ids unique within one graph
      return new MathExpression({
        // MessageCount counts both directions, so deliveries are in the denominator too.
        expression: `IF(${id}Requests > 0, 100 * ${id}Errors / ${id}Requests, 0)`,
        usingMetrics: {
          [`${id}Errors`]: api(errorMetric),
          [`${id}Requests`]: new MathExpression({
            expression: `${id}Connects + ${id}Messages`,
            usingMetrics: { [`${id}Connects`]: api('ConnectCount'), [`${id}Messages`]: api('MessageCount') },
            period,
          }),
        },
        label: `${errorMetric} (% of requests)`,
        period,
      });
    };

    if (props.email) {
      this.topic = new Topic(this, 'AlarmTopic', { displayName: 'wschat alarms', enforceSSL: true });
      this.topic.addSubscription(new EmailSubscription(props.email));
    }
    const action = this.topic ? new SnsAction(this.topic) : undefined;
    const alarm = (alarmId: string, metric: IMetric, threshold: number, description: string, datapoints = 1, evaluation = 1): Alarm => {
      const created = new Alarm(this, alarmId, {
        metric,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: evaluation,
        datapointsToAlarm: datapoints,
        // No traffic is no trouble: every metric here is absent when nothing happens.
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (action) {
        created.addAlarmAction(action);
        created.addOkAction(action);
      }
      this.alarms.push(created);
      return created;
    };

    // Two of three periods: one bad burst of a quiet chat is not yet an incident.
    alarm('ApiIntegrationErrorRate', errorRate('IntegrationError'), THRESHOLDS.apiErrorRatePercent, 'API Gateway: integrations (the handlers) answered 4xx/5xx for 1 % of requests or more', 2, 3);
    alarm('ApiExecutionErrorRate', errorRate('ExecutionError'), THRESHOLDS.apiErrorRatePercent, 'API Gateway: calling the integration failed for 1 % of requests or more', 2, 3);
    for (const chatFunction of props.functions) {
      const { fn, spec } = chatFunction;
      alarm(`${spec.id}Errors`, fn.metricErrors({ period }), THRESHOLDS.functionErrors, `${spec.id}: the handler threw or timed out`);
      alarm(`${spec.id}Throttles`, fn.metricThrottles({ period }), THRESHOLDS.functionThrottles, `${spec.id}: invocations throttled (concurrency limit)`);
      alarm(
        `${spec.id}DurationNearTimeout`,
        fn.metricDuration({ period, statistic: 'Maximum' }),
        Math.round(spec.timeoutSeconds * 1000 * THRESHOLDS.durationOfTimeout),
        `${spec.id}: an invocation took 80 % of its ${spec.timeoutSeconds} s timeout`,
      );
    }
    const dynamodbThrottles = props.table.metricThrottledRequestsForOperations({ operations: TABLE_OPERATIONS, period });
    alarm('DynamoDBThrottles', dynamodbThrottles, THRESHOLDS.dynamodbThrottles, 'DynamoDB throttled requests of the chat table');
    const dropped = handlers('failed', 'Sum', 'dropped deliveries');
    alarm('DroppedDeliveries', dropped, THRESHOLDS.droppedDeliveries, 'Deliveries that failed for good (429 after retries, 413, 403, 5xx, past the deadline)');
    alarm(
      'DeferredWorkDeadLetters',
      props.deadLetters.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      1,
      'Deferred work failed every try and waits in the dead-letter queue (a leave not announced, a resume welcome not sent)',
    );

    const functionMetrics = (pick: (chatFunction: ChatFunction) => IMetric) => props.functions.map(pick);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new GraphWidget({ title: 'API Gateway: requests', left: [api('ConnectCount'), api('MessageCount')], right: [api('ClientError')], width: 8 }),
          new GraphWidget({ title: 'API Gateway: error rates (%)', left: [errorRate('IntegrationError'), errorRate('ExecutionError')], width: 8 }),
          new GraphWidget({
            title: 'Deliveries',
            left: [handlers('delivered', 'Sum', 'delivered')],
            right: [handlers('gone', 'Sum', '410 gone'), dropped, handlers('retried', 'Sum', 'retried'), handlers('throttled', 'Sum', '429 dropped'), handlers('tooLarge', 'Sum', '413')],
            width: 8,
          }),
        ],
        [
          new GraphWidget({
            title: 'Fan-out: largest call',
            left: [handlers('recipients', 'Maximum', 'recipients (max)')],
            right: [handlers('fanoutDuration', 'Maximum', 'duration ms (max)')],
            width: 8,
          }),
          new GraphWidget({
            title: 'Refused',
            left: [
              handlers('rateLimited', 'Sum', 'rate-limited frames'),
              handlers('loginsRefusedTaken', 'Sum', 'login: taken'),
              handlers('loginsRefusedInvalid', 'Sum', 'login: invalid'),
              handlers('connectsDenied', 'Sum', 'connect denied'),
            ],
            width: 8,
          }),
          new GraphWidget({ title: 'DynamoDB: throttled requests', left: [dynamodbThrottles], width: 8 }),
        ],
        [
          new GraphWidget({ title: 'Lambda: errors', left: functionMetrics(({ fn, spec }) => fn.metricErrors({ period, label: spec.id })), width: 8 }),
          new GraphWidget({ title: 'Lambda: throttles', left: functionMetrics(({ fn, spec }) => fn.metricThrottles({ period, label: spec.id })), width: 8 }),
          new GraphWidget({ title: 'Lambda: duration (max, ms)', left: functionMetrics(({ fn, spec }) => fn.metricDuration({ period, statistic: 'Maximum', label: spec.id })), width: 8 }),
        ],
      ],
    });
  }
}
