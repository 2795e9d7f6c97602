// What a broadcast costs in AWS at on-demand list prices (us-east-1, November 2026; check the pricing
// pages before relying on them). Used by the report and docs/scaling.md.
export const PRICES = {
  /** DynamoDB on-demand, per read request unit (an eventually consistent read of 4 KB is half a unit). */
  dynamodbReadUnit: 0.125 / 1e6,
  /** DynamoDB on-demand, per write request unit (1 KB). */
  dynamodbWriteUnit: 0.625 / 1e6,
  /** API Gateway WebSocket, per message (first billion a month; 32 KB increments): each post is one. */
  websocketMessage: 1.0 / 1e6,
  /** Lambda (x86), per GB-second of duration. */
  lambdaGbSecond: 0.0000166667,
  /** Lambda, per invocation. */
  lambdaRequest: 0.2 / 1e6,
} as const;

export interface BroadcastCost {
  dynamodb: number;
  messages: number;
  lambda: number;
  total: number;
}

export function broadcastCost(readUnits: number, writeUnits: number, posts: number, handlerMs: number, memoryMb = 512): BroadcastCost {
  const dynamodb = readUnits * PRICES.dynamodbReadUnit + writeUnits * PRICES.dynamodbWriteUnit;
  const messages = posts * PRICES.websocketMessage;
  const lambda = (handlerMs / 1000) * (memoryMb / 1024) * PRICES.lambdaGbSecond + PRICES.lambdaRequest;
  return { dynamodb, messages, lambda, total: dynamodb + messages + lambda };
}
