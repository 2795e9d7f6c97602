// The deployed chat: a WebSocket API whose four routes each invoke their own Lambda, one DynamoDB table,
// the deferred-work queue and its consumer (the leave after the resume grace),
// a scheduled push (EventBridge → Lambda, off by default), and the outputs a person needs to connect
// (wss:// URL) or to debug (callback URL, table name).
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { WebSocketApi, WebSocketStage, type WebSocketRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Construct } from 'constructs';
import { SETTINGS } from '../functions/settings.ts';
import { assertLocalEsbuild, BUNDLE_ENV } from './bundling.ts';
import type { ChatConfig } from './config.ts';
import { ChatFunction } from './chat-function.ts';
import { ConnectAuthorizer } from './connect-authorizer.ts';
import { LATER_CONSUMER, ROUTE_HANDLERS, ROUTE_SELECTION_EXPRESSION } from './handlers.ts';
import { LaterQueue } from './later-queue.ts';
import { Operations } from './operations.ts';
import { ScheduledAnnounce } from './scheduled-announce.ts';
import { createChatTable } from './chat-table.ts';

export interface ChatStackProps extends StackProps {
  config: ChatConfig;
}

export class ChatStack extends Stack {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  /** The route handlers, by route key. */
  readonly functions: ReadonlyMap<string, ChatFunction>;
  /** The routes, by route key. */
  readonly routes: ReadonlyMap<string, WebSocketRoute>;
  /** Sign-in on `$connect`, unless `-c connectAuth=none` (the default). */
  readonly connectAuthorizer: ConnectAuthorizer | undefined;
  readonly connectAuthMode: ChatConfig['connectAuth']['mode'];
  readonly announce: ScheduledAnnounce;
  /** The deferred-work queue (the leave after the resume grace) and its dead-letter queue. */
  readonly laterQueue: LaterQueue;
  /** Runs the deferred work when its delay is over. */
  readonly laterConsumer: ChatFunction;
  /** Alarms and the dashboard, with `-c alarms=true`. */
  readonly operations: Operations | undefined;

  constructor(scope: Construct, id: string, props: ChatStackProps) {
    super(scope, id, props);
    const { config } = props;
    if (this.bundlingRequired) assertLocalEsbuild();

    const removalPolicy = config.removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const table = createChatTable(this, 'Table', removalPolicy);

    this.api = new WebSocketApi(this, 'Api', {
      apiName: config.stackName,
      description: 'wschat: serverless WebSocket chat',
      routeSelectionExpression: ROUTE_SELECTION_EXPRESSION,
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: config.stageName,
      autoDeploy: true,
      // Applies to every route of the stage, all clients together: a ceiling on what a flood can cost.
      throttle: { burstLimit: config.throttle.burstLimit, rateLimit: config.throttle.rateLimit },
    });

    const logging: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: 'wschat',
      POWERTOOLS_LOG_LEVEL: config.logLevel,
      LOG_LEVEL: config.logLevel,
      ...BUNDLE_ENV,
      // Handler settings: only those configured; the handlers apply functions/settings.ts's defaults.
      ...config.handlerEnv,
    };
    const later = new LaterQueue(this, 'LaterQueue');
    const environment: Record<string, string> = {
      [SETTINGS.tableName.env]: table.tableName,
      // Where the handlers defer a leave to (the resume grace), and the consumer its evictions' leaves.
      [SETTINGS.laterQueueUrl.env]: later.queue.queueUrl,
      // https://{apiId}.execute-api.{region}.amazonaws.com/{stage}: the management API endpoint, built
      // from the API id (not from the event's domainName), so it keeps working behind a custom domain.
      [SETTINGS.callbackUrl.env]: this.stage.callbackUrl,
      ...logging,
    };
    const common = {
      table,
      apiId: this.api.apiId,
      stageName: config.stageName,
      environment,
      logRetention: config.logRetention,
      removalPolicy,
      tracing: config.tracing,
      laterQueue: later.queue,
    };

    // The authorizer reads neither the table nor the callback URL: only the logging and its own settings.
    this.connectAuthMode = config.connectAuth.mode;
    this.connectAuthorizer =
      config.connectAuth.mode === 'none' ? undefined : new ConnectAuthorizer(this, 'SignIn', { ...common, environment: logging, config: config.connectAuth });

    const functions = new Map<string, ChatFunction>();
    const routes = new Map<string, WebSocketRoute>();
    for (const route of ROUTE_HANDLERS) {
      const fn = new ChatFunction(this, route.id, { ...common, spec: route });
      // API Gateway runs an authorizer on $connect only; later routes belong to a connection it allowed.
      const authorizer = route.routeKey === '$connect' ? this.connectAuthorizer?.authorizer : undefined;
      const integration = new WebSocketLambdaIntegration(`${route.id}Integration`, fn.fn);
      routes.set(route.routeKey, this.api.addRoute(route.routeKey, { integration, ...(authorizer ? { authorizer } : {}) }));
      functions.set(route.routeKey, fn);
    }
    this.functions = functions;
    this.routes = routes;
    this.announce = new ScheduledAnnounce(this, 'Announce', { ...common, ...config.announce });
    this.laterQueue = later;
    this.laterConsumer = new ChatFunction(this, LATER_CONSUMER.id, { ...common, spec: LATER_CONSUMER });
    later.consumeWith(this.laterConsumer.fn);
    this.operations = config.alarms.enabled
      ? new Operations(this, 'Operations', {
          api: this.api,
          stageName: config.stageName,
          functions: this.allFunctions,
          table,
          deadLetters: later.deadLetters,
          // The handlers' namespace: the one deployed, or the table's default they fall back to.
          metricsNamespace: config.handlerEnv[SETTINGS.metricsNamespace.env] ?? SETTINGS.metricsNamespace.default,
          email: config.alarms.email,
        })
      : undefined;

    new CfnOutput(this, 'WebSocketUrl', { value: this.stage.url, description: 'Connect here: wscat -c <this URL>' });
    new CfnOutput(this, 'CallbackUrl', { value: this.stage.callbackUrl, description: '@connections management API' });
    new CfnOutput(this, 'TableName', { value: table.tableName, description: 'DynamoDB table of connections and nicknames' });
  }

  /** Every Lambda of the stack: the route handlers, the scheduled push, the deferred-work consumer and the authorizer. */
  get allFunctions(): ChatFunction[] {
    return [...this.functions.values(), this.announce.function, this.laterConsumer, ...(this.connectAuthorizer ? [this.connectAuthorizer.function] : [])];
  }
}

