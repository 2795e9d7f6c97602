// A local stand-in for API Gateway's WebSocket API that behaves as AWS documents it; see
// docs/local-gateway.md for each behaviour, what is emulated and what is not.
export { startLocalGateway } from './server.ts';
export { AWS_LIMITS, DEFAULT_ADMISSION } from './options.ts';
export { TlsSetupError } from './tls.ts';
export type {
  AdmissionLimits,
  AuthorizerHandler,
  AuthorizerTarget,
  GatewayAuthorizerEvent,
  GatewayAuthorizerOptions,
  FunctionEnvironmentVariables,
  GatewayEvent,
  GatewayFaults,
  GatewayLimits,
  GatewayRequestContext,
  HandlerResult,
  LambdaContextLike,
  LambdaHandler,
  LocalGateway,
  LocalGatewayOptions,
  RouteTarget,
  ThrottleSettings,
} from './types.ts';
