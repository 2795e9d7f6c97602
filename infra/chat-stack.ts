// The deployed chat: a WebSocket API whose four routes each invoke their own Lambda, one DynamoDB table,
// and the outputs a person needs to connect (wss:// URL) or to debug (callback URL, table name).
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Construct } from 'constructs';
import { assertLocalEsbuild } from './bundling.ts';
import type { ChatConfig } from './config.ts';
import { RouteFunction } from './route-function.ts';
import { ROUTE_HANDLERS, ROUTE_SELECTION_EXPRESSION } from './routes.ts';
import { createChatTable } from './table.ts';

export interface ChatStackProps extends StackProps {
  config: ChatConfig;
}

export class ChatStack extends Stack {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  readonly functions: ReadonlyMap<string, RouteFunction>;

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
      TABLE_NAME: table.tableName,
      // https://{apiId}.execute-api.{region}.amazonaws.com/{stage}: the management API endpoint, built
      // from the API id (not from the event's domainName), so it keeps working behind a custom domain.
      CALLBACK_URL: this.stage.callbackUrl,
      POWERTOOLS_SERVICE_NAME: 'wschat',
      POWERTOOLS_LOG_LEVEL: config.logLevel,
      LOG_LEVEL: config.logLevel,
      // The bundles ship .map files; this makes stack traces point at the TypeScript sources.
      NODE_OPTIONS: '--enable-source-maps',
      ...(config.fanoutConcurrency === undefined ? {} : { FANOUT_CONCURRENCY: String(config.fanoutConcurrency) }),
    };

    const functions = new Map<string, RouteFunction>();
    for (const route of ROUTE_HANDLERS) {
      const fn = new RouteFunction(this, route.id, {
        route,
        table,
        apiId: this.api.apiId,
        stageName: config.stageName,
        environment,
        logRetention: config.logRetention,
        removalPolicy,
      });
      this.api.addRoute(route.routeKey, { integration: new WebSocketLambdaIntegration(`${route.id}Integration`, fn.fn) });
      functions.set(route.routeKey, fn);
    }
    this.functions = functions;

    new CfnOutput(this, 'WebSocketUrl', { value: this.stage.url, description: 'Connect here: wscat -c <this URL>' });
    new CfnOutput(this, 'CallbackUrl', { value: this.stage.callbackUrl, description: '@connections management API' });
    new CfnOutput(this, 'TableName', { value: table.tableName, description: 'DynamoDB table of connections and nicknames' });
  }
}
