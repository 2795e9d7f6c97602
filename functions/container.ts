// What a Lambda container builds once and reuses across invocations: the signing identity (read once
// from the environment it was given), the DynamoDB client, one fan-out per endpoint, the logger and the
// chat itself. Configuration comes from the
// environment, read through functions/settings.ts: a bad value fails the container, naming it.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { signingFromEnvironment, type AwsSigning } from './aws-signing.ts';
import { createChat, type Chat } from './chat.ts';
import type { Scheduler } from './chat/later.ts';
import { createConnectAuth } from './connect-auth.ts';
import { createFanout, type Fanout } from './fanout.ts';
import { consumeLaterEvent } from './later-events.ts';
import { createQueueScheduler } from './later-queue.ts';
import { createTimerScheduler, type TimerScheduler } from './later-timers.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetricsPublisher, dimensionsOf, invocationsOverlap, type MetricsPublisher } from './metrics.ts';
import { parseSetting, readSettings, SETTINGS, type Settings } from './settings.ts';
import { installSourceMappedStacks } from './stack-traces.ts';
import { createDynamoDbHttp, createStore } from './store.ts';
import type { WebSocketEvent } from './websocket-event.ts';

let chat: ContainerChat | undefined;

/** The chat, the settings it was built with, and the management API client for a given callback URL. */
export interface ContainerChat extends Chat {
  readonly settings: Settings;
  readonly log: Logger;
  /** Publishes each invocation's metrics (see `withMetrics`). */
  readonly metrics: MetricsPublisher;
  fanoutAt(endpoint: string): Fanout;
  /** See closeContainer. */
  closeTimers(): Promise<void>;
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

/**
 * Before the local stack it runs on goes away: drops its deferred tasks still on timers (their
 * emulator and gateway are closing) and waits for those running. Lambda has no such moment.
 */
export async function closeContainer(): Promise<void> {
  const closing = chat;
  chat = undefined;
  await closing?.closeTimers();
}

/** Throws, naming the variable, on any bad or missing setting (see functions/settings.ts). */
export function buildChat(env: Readonly<Record<string, string | undefined>>): ContainerChat {
  // First, so that a bad setting's stack is mapped too.
  if (parseSetting('sourceMappedStacks', env[SETTINGS.sourceMappedStacks.env], 'the environment')) installSourceMappedStacks();
  const settings = readSettings(env, 'the environment');
  const log = createLogger();
  const signing = signingFromEnvironment(env);
  const endpoint = settings.dynamodbEndpoint;
  const dynamodb = createDynamoDbHttp({ signing, ...(endpoint ? { endpoint } : {}) });
  // Every value passed explicitly: the table in settings.ts is the one place defaults live.
  const store = createStore(dynamodb, {
    tableName: settings.tableName,
    measureCapacity: settings.measureCapacity,
    historyTtlSeconds: settings.historyTtlSeconds,
  });
  const metrics = createMetricsPublisher(settings.metricsNamespace, log, { overlapping: invocationsOverlap(env) });
  const fanouts = new Map<string, Fanout>();
  const fanoutAt = (endpoint: string): Fanout => {
    let fanout = fanouts.get(endpoint);
    if (!fanout) {
      fanout = createFanout({ endpoint, concurrency: settings.fanoutConcurrency, log, metrics: metrics.recorder, signing });
      fanouts.set(endpoint, fanout);
    }
    return fanout;
  };

  const later = schedulerFor(settings, signing, log);
  const chat = createChat({
    store,
    log,
    metrics: metrics.recorder,
    connectGraceMs: settings.connectGraceMs,
    claimSettleMs: settings.claimSettleMs,
    rateLimit: { frames: settings.rateLimitFrames, windowMs: settings.rateLimitWindowMs },
    resumeGraceMs: settings.resumeGraceMs,
    resumeTokenTtlSeconds: settings.resumeTokenTtlSeconds,
    nicknameOwnerTtlSeconds: settings.nicknameOwnerTtlSeconds,
    ...(later ? { later } : {}),
    nicknameFromClaim: settings.nicknameFromClaim,
    // With CONNECT_AUTH (npm start: one environment for all), the authorizer has checked the handshake
    // already; the legacy check would refuse its JWTs, which are not HS256.
    authorize:
      settings.connectAuth === 'none'
        ? createConnectAuth({
            sharedSecret: settings.connectToken,
            jwtSecret: settings.connectJwtSecret,
            jwtAudience: settings.connectJwtAudience,
            jwtIssuer: settings.connectJwtIssuer,
            jwtMaxLifetimeSeconds: settings.connectJwtMaxLifetimeSeconds,
          })
        : null,
    fanoutFor: (event: WebSocketEvent) => fanoutAt(settings.callbackUrl ?? callbackUrlOf(event)),
  });
  const timers = later && 'consumeWith' in later ? later : undefined;
  const built: ContainerChat = {
    ...chat,
    settings,
    log,
    metrics,
    fanoutAt,
    closeTimers: async () => timers?.close(),
  };
  // Locally the timers hand a due task to the consumer AWS runs (functions/handlers/later.ts does the same).
  timers?.consumeWith((event) => consumeContainerLater(built, event));
  return built;
}

/** The queue when the stack names one, in-process timers with LEAVE_TIMERS, else none (leaves at once). */
function schedulerFor(settings: Settings, signing: AwsSigning, log: Logger): Scheduler | TimerScheduler | undefined {
  if (settings.laterQueueUrl && settings.leaveTimers) {
    throw new Error(`${SETTINGS.laterQueueUrl.env} and ${SETTINGS.leaveTimers.env} are both set: deferred work goes to the queue or to timers, not both`);
  }
  if (settings.laterQueueUrl) return createQueueScheduler({ queueUrl: settings.laterQueueUrl, signing });
  return settings.leaveTimers ? createTimerScheduler(log) : undefined;
}

/**
 * The deferred-work consumer on this container's chat. With CALLBACK_URL (the stack sets it) every task
 * posts through that endpoint, whatever its message names: a message on the queue is not trusted to pick one.
 */
export function consumeContainerLater(chatOfContainer: ContainerChat, event: SQSEvent): Promise<SQSBatchResponse> {
  const { callbackUrl } = chatOfContainer.settings;
  const runner = { runLater: chatOfContainer.runLater, fanoutAt: (endpoint: string) => chatOfContainer.fanoutAt(callbackUrl ?? endpoint) };
  return consumeLaterEvent(runner, chatOfContainer.log, event);
}

/**
 * A Lambda handler that publishes its invocation's metrics when it ends (one EMF line), with the
 * dimensions stage and route of its event. A container that cannot be built fails the invocation as before.
 */
export function withMetrics<A extends unknown[], R>(handler: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args) => {
    const { metrics, settings } = containerChat();
    return metrics.run(dimensionsOf(args[0], settings.callbackUrl), () => handler(...args));
  };
}

/** The management API endpoint for pushes, which have no event: the stack sets CALLBACK_URL. */
export function pushFanout(chatOfContainer: ContainerChat): Fanout {
  const endpoint = chatOfContainer.settings.callbackUrl;
  if (!endpoint) throw new Error(`${SETTINGS.callbackUrl.env} is not set: a push has no event to take the endpoint from`);
  return chatOfContainer.fanoutAt(endpoint);
}

/** Without CALLBACK_URL (set by the stack), the execute-api host and stage of the event itself. */
export function callbackUrlOf(event: WebSocketEvent): string {
  const { domainName, stage } = event.requestContext;
  return `https://${domainName}/${stage}`;
}
