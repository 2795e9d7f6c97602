// The deployed chat: a WebSocket API whose four routes each invoke their own Lambda, one DynamoDB table,
// a scheduled push (EventBridge → Lambda, off by default), and the outputs a person needs to connect
// (wss:// URL) or to debug (callback URL, table name).
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Construct } from 'constructs';
import { SETTINGS } from '../functions/settings.ts';
import { assertLocalEsbuild } from './bundling.ts';
import type { ChatConfig } from './config.ts';
import { ChatFunction } from './chat-function.ts';
import { ROUTE_HANDLERS, ROUTE_SELECTION_EXPRESSION } from './handlers.ts';
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
  readonly announce: ScheduledAnnounce;
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

    const environment: Record<string, string> = {
      [SETTINGS.tableName.env]: table.tableName,
      // https://{apiId}.execute-api.{region}.amazonaws.com/{stage}: the management API endpoint, built
      // from the API id (not from the event's domainName), so it keeps working behind a custom domain.
      [SETTINGS.callbackUrl.env]: this.stage.callbackUrl,
      POWERTOOLS_SERVICE_NAME: 'wschat',
      POWERTOOLS_LOG_LEVEL: config.logLevel,
      LOG_LEVEL: config.logLevel,
      // The bundles ship .map files; this makes stack traces point at the TypeScript sources.
      NODE_OPTIONS: '--enable-source-maps',
      // Handler settings: only those configured; the handlers apply functions/settings.ts's defaults.
      ...config.handlerEnv,
    };
    const common = {
      table,
      apiId: this.api.apiId,
      stageName: config.stageName,
      environment,
      logRetention: config.logRetention,
      removalPolicy,
      tracing: config.tracing,
    };

    const functions = new Map<string, ChatFunction>();
    for (const route of ROUTE_HANDLERS) {
      const fn = new ChatFunction(this, route.id, { ...common, spec: route });
      this.api.addRoute(route.routeKey, { integration: new WebSocketLambdaIntegration(`${route.id}Integration`, fn.fn) });
      functions.set(route.routeKey, fn);
    }
    this.functions = functions;
    this.announce = new ScheduledAnnounce(this, 'Announce', { ...common, ...config.announce });
    this.operations = config.alarms.enabled
      ? new Operations(this, 'Operations', {
          api: this.api,
          stageName: config.stageName,
          functions: this.allFunctions,
          table,
          // The handlers' namespace: the one deployed, or the table's default they fall back to.
          metricsNamespace: config.handlerEnv[SETTINGS.metricsNamespace.env] ?? SETTINGS.metricsNamespace.default,
          email: config.alarms.email,
        })
      : undefined;

    new CfnOutput(this, 'WebSocketUrl', { value: this.stage.url, description: 'Connect here: wscat -c <this URL>' });
    new CfnOutput(this, 'CallbackUrl', { value: this.stage.callbackUrl, description: '@connections management API' });
    new CfnOutput(this, 'TableName', { value: table.tableName, description: 'DynamoDB table of connections and nicknames' });
  }

  /** Every Lambda of the stack: the route handlers and the scheduled push. */
  get allFunctions(): ChatFunction[] {
    return [...this.functions.values(), this.announce.function];
  }
}

