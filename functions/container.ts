// What a Lambda container builds once and reuses across invocations: the DynamoDB client, one
// management API client per endpoint, the logger and the chat itself. Configuration comes from env.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createChat, type Chat } from './chat.ts';
import { createGateway, type Gateway } from './gateway.ts';
import { createLogger } from './log.ts';
import { createStore } from './store.ts';
import type { WebSocketEvent } from './websocket-event.ts';

/** Posts in flight per invocation; tuned by `npm run bench`. */
export const DEFAULT_FANOUT_CONCURRENCY = 64;

let chat: Chat | undefined;

/** The chat for this container, built on first use from the environment. */
export function containerChat(): Chat {
  chat ??= buildChat(process.env);
  return chat;
}

/** Drops the cached chat so the next call re-reads the environment (tests, local restarts). */
export function resetContainer(): void {
  chat = undefined;
}

export function buildChat(env: NodeJS.ProcessEnv): Chat {
  const tableName = env.TABLE_NAME;
  if (!tableName) throw new Error('TABLE_NAME is not set');
  const log = createLogger();
  const endpoint = env.DYNAMODB_ENDPOINT;
  const dynamodb = new DynamoDBClient(endpoint ? { endpoint } : {});
  const store = createStore(dynamodb, { tableName, measureCapacity: env.MEASURE_CAPACITY === 'true' });
  const concurrency = positiveInt(env.FANOUT_CONCURRENCY) ?? DEFAULT_FANOUT_CONCURRENCY;
  const gateways = new Map<string, Gateway>();

  return createChat({
    store,
    log,
    connectGraceMs: positiveInt(env.CONNECT_GRACE_MS),
    claimSettleMs: positiveInt(env.CLAIM_SETTLE_MS),
    gatewayFor(event: WebSocketEvent) {
      const endpoint = env.CALLBACK_URL ?? callbackUrlOf(event);
      let gateway = gateways.get(endpoint);
      if (!gateway) {
        gateway = createGateway({ endpoint, concurrency, log });
        gateways.set(endpoint, gateway);
      }
      return gateway;
    },
  });
}

/** Without CALLBACK_URL (set by the stack), the execute-api host and stage of the event itself. */
export function callbackUrlOf(event: WebSocketEvent): string {
  const { domainName, stage } = event.requestContext;
  return `https://${domainName}/${stage}`;
}

function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed >= 0 ? parsed : undefined;
}
