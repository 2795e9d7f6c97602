// A Lambda-like `context` for in-process invocations: the fields handlers read (request id, function
// name, remaining time) and the legacy done/succeed/fail methods, which complete the invocation.
import { randomUUID } from 'node:crypto';
import type { LambdaContextLike } from './types.ts';

export interface LambdaContextOptions {
  functionName: string;
  /** Epoch ms at which the gateway stops waiting (the integration timeout). */
  deadline: number;
  /** Called by done/succeed/fail. */
  complete(error: unknown, result?: unknown): void;
}

const REGION = 'local';
const ACCOUNT = '000000000000';

export function createLambdaContext({ functionName, deadline, complete }: LambdaContextOptions): LambdaContextLike {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '128',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: (error, result) => complete(error ?? undefined, result),
    fail: (error) => complete(typeof error === 'string' ? new Error(error) : error),
    succeed: (result) => complete(undefined, result),
  };
}
