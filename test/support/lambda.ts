// Calling the chat's code directly, as Lambda would but without a socket: events built by the local
// gateway's own builders (field for field as API Gateway sends them), a logger that says nothing, and the
// chat's handlers over a store of the test's choosing that post through a real gateway.
import { createChat, type Chat } from '../../functions/chat.ts';
import { createFanout, type Fanout } from '../../functions/fanout.ts';
import type { Logger } from '../../functions/log.ts';
import { DEFAULT_SETTINGS } from '../../functions/settings.ts';
import type { ChatStore } from '../../functions/store.ts';
import {
  buildConnectEvent,
  buildDisconnectEvent,
  buildMessageEvent,
  type ApiFacts,
  type ConnectionFacts,
} from '../../local/gateway/lambda-events.ts';
import type { GatewayEvent } from '../../local/gateway/index.ts';

export const SILENT_LOG: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export type { ApiFacts };

/** Where an event says it came through unless told: a stage "local" of an API "local" at host "local". */
const SOMEWHERE: ApiFacts = { apiId: 'local', stage: 'local', domainName: 'local' };

/** The API and stage of a gateway's callback URL (e.g. a local chat's), for events that say they came through it. */
export function apiOf(callbackUrl: string): ApiFacts {
  const url = new URL(callbackUrl);
  return { apiId: 'local', stage: url.pathname.slice(1), domainName: url.host };
}

/** What a `$connect` authorizer allowed a connection with (`requestContext.authorizer` on its every event). */
export type AuthorizerContext = Record<string, string>;

function connection(connectionId: string, authorizer?: AuthorizerContext): ConnectionFacts {
  return { connectionId, connectedAt: Date.now(), sourceIp: '127.0.0.1', userAgent: 'wschat-test', ...(authorizer ? { authorizer } : {}) };
}

/** A frame of `connectionId` on `$default`, with a messageId of its own (the same event twice is a retry). */
export function messageEvent(connectionId: string, body: string, api: ApiFacts = SOMEWHERE, authorizer?: AuthorizerContext): GatewayEvent {
  return buildMessageEvent(api, connection(connectionId, authorizer), '$default', body, Date.now());
}

/** The `$connect` of `connectionId`, with this query string. */
export function connectEvent(connectionId: string, query: Record<string, string>, api: ApiFacts = SOMEWHERE, authorizer?: AuthorizerContext): GatewayEvent {
  const url = `/${api.stage}?${new URLSearchParams(query).toString()}`;
  return buildConnectEvent(api, connection(connectionId, authorizer), { rawHeaders: [], url, port: 0 }, Date.now());
}

/** The `$disconnect` of `connectionId`: a client gone away (1001). */
export function disconnectEvent(connectionId: string, api: ApiFacts = SOMEWHERE): GatewayEvent {
  return buildDisconnectEvent(api, connection(connectionId), 1001, '', Date.now());
}

export interface DirectChatOptions {
  store: ChatStore;
  /** The gateway's callback URL; a function when the gateway starts after the chat is built. */
  callbackUrl: string | (() => string);
  /** Default: no limit (frames: 0). */
  rateLimit?: { frames: number; windowMs: number };
  /** NICKNAME_FROM_CLAIM; default off. */
  nicknameFromClaim?: boolean;
}

/** The chat's handlers over `store`, posting through the gateway at `callbackUrl`, logging nothing; default grace periods. */
export function directChat(options: DirectChatOptions): Chat {
  let fanout: Fanout | undefined;
  const endpoint = () => (typeof options.callbackUrl === 'string' ? options.callbackUrl : options.callbackUrl());
  return createChat({
    store: options.store,
    log: SILENT_LOG,
    rateLimit: options.rateLimit ?? { frames: 0, windowMs: 1000 },
    connectGraceMs: DEFAULT_SETTINGS.connectGraceMs,
    claimSettleMs: DEFAULT_SETTINGS.claimSettleMs,
    nicknameFromClaim: options.nicknameFromClaim ?? false,
    fanoutFor: () => (fanout ??= createFanout({ endpoint: endpoint(), concurrency: 8, log: SILENT_LOG })),
  });
}
