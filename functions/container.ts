// What a Lambda container builds once and reuses across invocations: the DynamoDB client, one
// management API client per endpoint, the logger and the chat itself. Configuration comes from env.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createChat, DEFAULT_RATE_LIMIT, type Chat } from './chat.ts';
import { createConnectAuth } from './connect-auth.ts';
import { createFanout, type Fanout } from './fanout.ts';
import { createLogger } from './log.ts';
import { createStore } from './store.ts';
import type { WebSocketEvent } from './websocket-event.ts';

/** Posts in flight per invocation; tuned by `npm run bench`. */
export const DEFAULT_FANOUT_CONCURRENCY = 64;

let chat: ContainerChat | undefined;

/** The chat, and the management API client for a given callback URL (pushes have no event to take it from). */
export interface ContainerChat extends Chat {
  fanoutAt(endpoint: string): Fanout;
}

/** The chat for this container, built on first use from the environment. */
export function containerChat(): ContainerChat {
  chat ??= buildChat(process.env);
  return chat;
}

/** Drops the cached chat so the next call re-reads the environment (tests, local restarts). */
export function resetContainer(): void {
  chat = undefined;
}

export function buildChat(env: NodeJS.ProcessEnv): ContainerChat {
  const tableName = env.TABLE_NAME;
  if (!tableName) throw new Error('TABLE_NAME is not set');
  const log = createLogger();
  const endpoint = env.DYNAMODB_ENDPOINT;
  const dynamodb = new DynamoDBClient(endpoint ? { endpoint } : {});
  const historyTtlSeconds = positiveInt(env.HISTORY_TTL_SECONDS);
  const store = createStore(dynamodb, {
    tableName,
    measureCapacity: env.MEASURE_CAPACITY === 'true',
    ...(historyTtlSeconds !== undefined ? { historyTtlSeconds } : {}),
  });
  const concurrency = Math.max(1, positiveInt(env.FANOUT_CONCURRENCY) ?? DEFAULT_FANOUT_CONCURRENCY); // 0 would post nothing
  const fanouts = new Map<string, Fanout>();
  const fanoutAt = (endpoint: string): Fanout => {
    let fanout = fanouts.get(endpoint);
    if (!fanout) {
      fanout = createFanout({ endpoint, concurrency, log });
      fanouts.set(endpoint, fanout);
    }
    return fanout;
  };

  const chat = createChat({
    store,
    log,
    connectGraceMs: positiveInt(env.CONNECT_GRACE_MS),
    claimSettleMs: positiveInt(env.CLAIM_SETTLE_MS),
    rateLimit: {
      frames: positiveInt(env.RATE_LIMIT_FRAMES) ?? DEFAULT_RATE_LIMIT.frames,
      windowMs: positiveInt(env.RATE_LIMIT_WINDOW_MS) ?? DEFAULT_RATE_LIMIT.windowMs,
    },
    authorize: createConnectAuth({
      sharedSecret: env.CONNECT_TOKEN || undefined,
      jwtSecret: env.CONNECT_JWT_SECRET || undefined,
      jwtAudience: env.CONNECT_JWT_AUDIENCE || undefined,
      jwtIssuer: env.CONNECT_JWT_ISSUER || undefined,
      jwtMaxLifetimeSeconds: positiveSeconds(env, 'CONNECT_JWT_MAX_LIFETIME_SECONDS'),
    }),
    fanoutFor: (event: WebSocketEvent) => fanoutAt(env.CALLBACK_URL ?? callbackUrlOf(event)),
  });
  return { ...chat, fanoutAt };
}

/** The management API endpoint for pushes, which have no event: the stack sets CALLBACK_URL. */
export function pushFanout(chatOfContainer: ContainerChat, env: NodeJS.ProcessEnv = process.env): Fanout {
  const endpoint = env.CALLBACK_URL;
  if (!endpoint) throw new Error('CALLBACK_URL is not set');
  return chatOfContainer.fanoutAt(endpoint);
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

/**
 * A security bound: a typo must not quietly become the default (or no bound), so anything but a
 * positive whole number fails, naming the variable. Unset or empty means the default.
 */
function positiveSeconds(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed <= 0) {
    throw new Error(`${name} must be a positive whole number of seconds, got ${JSON.stringify(value)}`);
  }
  return parsed;
}
