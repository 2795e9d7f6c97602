// The chat's routes: what `$connect`, `$disconnect`, a message and a server push do. Each wires the
// pure core (parse a frame, who may do what) to the parts in chat/: the sender (sender.ts), the
// commands (commands.ts), logins (login.ts), rooms (rooms.ts) and getting events to people
// (delivery.ts). Identity always comes from the event's connection id, never from the frame.
import { chatError, errorEvent, type RoomCount } from './core/events.ts';
import { parseFrame, type ChatCommand } from './core/frame.ts';
import { parseNickname } from './core/nickname.ts';
import { parseResumeToken } from './core/resume-token.ts';
import { accessError, isGuestCommand, isLoggedIn, NOT_LOGGED_IN } from './core/rules.ts';
import { isEventFormat, type EventFormat } from './core/text-format.ts';
import { createCommands } from './chat/commands.ts';
import type { ChatContext } from './chat/context.ts';
import type { LaterTask } from './chat/later.ts';
import { createDelivery, systemEvent } from './chat/delivery.ts';
import { claimedKeyError, claimedNicknameError, signedInOf, type SignedIn } from './chat/claimed-nickname.ts';
import { createLogin, type LoginOutcome } from './chat/login.ts';
import { createResume, type ResumeOutcome } from './chat/resume.ts';
import { createRooms } from './chat/rooms.ts';
import { blankConnection, createSenderLoader } from './chat/sender.ts';
import type { ConnectAuth } from './connect-auth.ts';
import { retryDeadline, type Fanout } from './fanout.ts';
import { NO_METRICS, refusedLoginMetric, type MetricsRecorder } from './metrics.ts';
import { DEFAULT_SETTINGS } from './settings.ts';
import type { InvocationClock, WebSocketEvent, WebSocketResult } from './websocket-event.ts';

export interface ChatOptions extends Omit<ChatContext, 'clock' | 'metrics' | 'resumeGraceMs' | 'resumeTokenTtlSeconds' | 'nicknameOwnerTtlSeconds'> {
  /** Default: the `resumeGraceMs` setting's default. */
  resumeGraceMs?: number;
  /** Default: the `resumeTokenTtlSeconds` setting's default. */
  resumeTokenTtlSeconds?: number;
  /** Default: the `nicknameOwnerTtlSeconds` setting's default. */
  nicknameOwnerTtlSeconds?: number;
  /** Default: none recorded. */
  metrics?: MetricsRecorder;
  /** The management API client for the API and stage this event came through. */
  fanoutFor(event: WebSocketEvent): Fanout;
  /** Default: `Date.now`. */
  clock?: () => number;
  /** Checks a `$connect` before anything is written; none = everyone may connect. */
  authorize?: ConnectAuth | null;
  /**
   * A signed-in connection may use only its authorizer's `name` as nickname, spelt as it is there, and
   * only while no other account owns it (chat/claimed-nickname.ts).
   */
  nicknameFromClaim?: boolean;
}

export interface Chat {
  /** `invocation` (the Lambda context): fan-out starts no retry it could not finish in the time left. */
  connect(event: WebSocketEvent, invocation?: InvocationClock): Promise<WebSocketResult>;
  disconnect(event: WebSocketEvent, invocation?: InvocationClock): Promise<WebSocketResult>;
  message(event: WebSocketEvent, invocation?: InvocationClock): Promise<WebSocketResult>;
  /** A server-initiated system message to the given rooms, or to every room; returns the rooms it went to. */
  push(fanout: Fanout, text: string, rooms?: readonly string[]): Promise<string[]>;
  /** Rooms with anyone in them (lobby always), with their member counts. */
  roomCounts(): Promise<RoomCount[]>;
  /** A deferred task (chat/later.ts), through the fan-out of its endpoint; throws if it should be tried again. */
  runLater(fanout: Fanout, task: LaterTask): Promise<void>;
}

const OK: WebSocketResult = { statusCode: 200 };

export function createChat(options: ChatOptions): Chat {
  const context: ChatContext = {
    ...options,
    clock: options.clock ?? Date.now,
    metrics: options.metrics ?? NO_METRICS,
    resumeGraceMs: options.resumeGraceMs ?? DEFAULT_SETTINGS.resumeGraceMs,
    resumeTokenTtlSeconds: options.resumeTokenTtlSeconds ?? DEFAULT_SETTINGS.resumeTokenTtlSeconds,
    nicknameOwnerTtlSeconds: options.nicknameOwnerTtlSeconds ?? DEFAULT_SETTINGS.nicknameOwnerTtlSeconds,
  };
  const { store, log, clock, metrics } = context;
  const delivery = createDelivery(context);
  const login = createLogin(context, delivery);
  const rooms = createRooms(context, delivery);
  const resume = createResume(context, delivery);
  const commands = createCommands(context, delivery, login, rooms, resume);
  const loadSender = createSenderLoader(context, delivery);

  return {
    connect: (event, invocation) =>
      guarded(event, invocation, async (fanout) => {
        const { connectionId, connectedAt } = event.requestContext;
        const authorized = options.authorize ? await options.authorize(event) : ({ ok: true } as const);
        if (options.authorize) metrics.record(authorized.ok ? 'connectsAllowed' : 'connectsDenied');
        if (!authorized.ok) return { statusCode: authorized.statusCode, body: authorized.reason };
        const requested = event.queryStringParameters?.nickname;
        const name = requested === undefined ? null : parseNickname(requested);
        const asked = event.queryStringParameters?.format;
        const format = asked === undefined ? 'json' : isEventFormat(asked) ? asked : null;
        // Validate before writing anything, so a refused handshake leaves no state behind.
        if (name && !name.ok) {
          metrics.record(refusedLoginMetric(name.error.code));
          return { statusCode: 400, body: name.error.message };
        }
        if (format === null) return { statusCode: 400, body: 'Invalid format: ?format= is "json" (the default) or "text".' };
        const resumeToken = event.queryStringParameters?.resume;
        if (resumeToken !== undefined) {
          if (requested !== undefined) return { statusCode: 400, body: 'Use ?nickname= or ?resume=, not both.' };
          return connectResuming(fanout, event, resumeToken, event.queryStringParameters?.seq, format);
        }
        const owner = ownerOf(event);
        const notYours = name && owner ? claimedNicknameError(owner, name.nickname) : null;
        if (notYours) {
          metrics.record(refusedLoginMetric(notYours.code));
          return { statusCode: 403, body: notYours.message };
        }
        await store.createConnection(connectionId, connectedAt, format);
        if (!name) return OK;
        let outcome: LoginOutcome;
        try {
          outcome = await login.logIn(fanout, blankConnection(connectionId, connectedAt), name.nickname, name.key, owner);
        } catch (error) {
          // A refused handshake gets no $disconnect: undo what was written, or a ghost holds the name.
          await Promise.allSettled([
            store.deleteConnection(connectionId).then((removed) => (removed?.room ? store.leaveRoom(removed.room) : undefined)),
            store.releaseClaim(name.key, connectionId),
          ]);
          throw error;
        }
        if (!outcome?.ok) {
          // No other login of this connection can run inside its $connect, so null does not happen here.
          metrics.record(refusedLoginMetric(outcome ? outcome.error.code : 'NOT_LOGGED_IN'));
          await store.deleteConnection(connectionId);
          return { statusCode: 409, body: outcome ? outcome.error.message : 'The login did not complete.' };
        }
        // This connection cannot receive until $connect returns, so it is left out of its own announcement.
        // The login itself succeeded: a failed announcement must not refuse the handshake.
        await login.announceLogin(fanout, outcome.previous, name.nickname, connectionId).catch((error: unknown) =>
          log.warn('announcing a login failed', { connectionId, error: String(error) }),
        );
        return OK;
      }),

    disconnect: (event, invocation) =>
      guarded(event, invocation, async (fanout) => {
        await delivery.removeConnection(fanout, event.requestContext.connectionId); // a repeated $disconnect finds nothing
        return OK;
      }),

    message: (event, invocation) =>
      guarded(event, invocation, async (fanout) => {
        const { messageId, requestId } = event.requestContext;
        const frameId = messageId ?? requestId;
        // Counted before parsing: a flood of garbage is still a flood.
        const sender = await loadSender(fanout, event, frameId);
        if (!sender) return OK;
        const parsed = parseFrame(frameBody(event));
        const command = parsed.ok ? parsed.command : null;
        const owner = ownerOf(event);
        const denied = parsed.ok ? (accessError(parsed.command, sender) ?? notYourNickname(owner, parsed.command)) : parsed.error;
        const { clientId } = parsed;
        if (denied?.code === 'INVALID_NICKNAME') metrics.record('loginsRefusedInvalid'); // `/nick` with a name the rules refuse
        if (denied || !command) await delivery.reply(fanout, sender, errorEvent(denied ?? NOT_LOGGED_IN, undefined, clientId));
        else if (isGuestCommand(command)) await commands.guest(fanout, sender, command, owner);
        else if (isLoggedIn(sender)) await commands.member(fanout, sender, command, frameId, clientId);
        else await delivery.reply(fanout, sender, errorEvent(NOT_LOGGED_IN, undefined, clientId)); // accessError refused it already
        return OK;
      }),

    async push(fanout, text, targets) {
      const reached = targets ?? (await rooms.all()).map((counted) => counted.room);
      await Promise.all(reached.map((room) => delivery.publish(fanout, systemEvent(text, room), 'system')));
      return [...reached];
    },

    roomCounts: () => rooms.all(),

    async runLater(fanout, task) {
      switch (task.kind) {
        case 'leave':
          return delivery.leaveUnlessResumed(fanout, task);
        case 'welcome':
          return resume.welcomeWhenConnected(fanout, task);
      }
    },
  };

  /**
   * `$connect?resume=TOKEN[&seq=N]`: checked before anything is written (a refusal is a 400 or 403 whose
   * body says why, and leaves no state), then the name is taken over; the `login`, the replay and
   * `resumed` follow as deferred work, since nothing reaches a connection inside its `$connect`.
   */
  async function connectResuming(fanout: Fanout, event: WebSocketEvent, token: string, seq: string | undefined, format: EventFormat): Promise<WebSocketResult> {
    const { connectionId, connectedAt } = event.requestContext;
    const parsed = parseFrame(`/resume ${token}${seq === undefined ? '' : ` ${seq}`}`);
    const refused = (body: string): WebSocketResult => {
      metrics.record(refusedLoginMetric('RESUME_FAILED'));
      return { statusCode: 400, body };
    };
    if (!parsed.ok || parsed.command.kind !== 'resume') return refused('Invalid ?resume=: a resume token from a login event, and ?seq= the last seq seen (digits).');
    const afterSeq = parsed.command.afterSeq;
    const owner = ownerOf(event);
    const notYours = notYourNickname(owner, parsed.command);
    if (notYours) {
      metrics.record(refusedLoginMetric(notYours.code));
      return { statusCode: 403, body: notYours.message };
    }
    const { later } = context;
    if (!later) return refused('?resume= needs deferred work, which this server has not got: connect, then send /resume TOKEN [SEQ].');
    const verified = await resume.verify(token, owner);
    if (!verified.ok) return refused(verified.message);
    await store.createConnection(connectionId, connectedAt, format);
    const undo = async (nicknameKey?: string) => {
      // A refused handshake gets no $disconnect: what was written goes, or a ghost holds the name.
      await Promise.allSettled([
        store.deleteConnection(connectionId).then((removed) => (removed?.room ? store.leaveRoom(removed.room) : undefined)),
        ...(nicknameKey ? [store.releaseClaim(nicknameKey, connectionId)] : []),
      ]);
    };
    const { key } = verified.current;
    let outcome: ResumeOutcome;
    try {
      outcome = await resume.takeOver(fanout, { ...blankConnection(connectionId, connectedAt), format }, verified.current, owner);
    } catch (error) {
      await undo(key);
      throw error;
    }
    if (!outcome?.ok) {
      await undo();
      return refused(outcome ? outcome.message : 'The resume did not complete.');
    }
    const { nickname, room, ignoring } = outcome;
    const welcome = { kind: 'welcome', endpoint: fanout.endpoint, connectionId, connectedAt, format, nickname, room, ignoring, resume: outcome.resume, afterSeq } as const;
    try {
      await later.schedule(0, welcome);
    } catch (error) {
      // It would never hear that it resumed: refuse instead, so the client logs in again (its token is spent).
      log.error('deferring a resume welcome failed', { connectionId, error: String(error) });
      await undo(key);
      return { statusCode: 500, body: 'The resume could not be completed; log in with ?nickname= or /nick.' };
    }
    return OK;
  }

  /** With NICKNAME_FROM_CLAIM, the account of a signed-in connection: its names are bound to it. */
  function ownerOf(event: WebSocketEvent): SignedIn | null {
    return options.nicknameFromClaim ? signedInOf(event) : null;
  }

  /**
   * With NICKNAME_FROM_CLAIM, a login only to the name the sign-in vouched for, and a resume only to its
   * key (the token's record, once read, must be the account's, in its spelling: chat/resume.ts).
   */
  function notYourNickname(owner: SignedIn | null, command: ChatCommand) {
    if (!owner) return null;
    if (command.kind === 'nick') return claimedNicknameError(owner, command.nickname);
    const token = command.kind === 'resume' ? parseResumeToken(command.token) : null;
    return token ? claimedKeyError(owner, token.nicknameKey) : null;
  }

  /** Unexpected failures (e.g. DynamoDB still throttling after the SDK's retries) reach the sender as an error. */
  async function guarded(
    event: WebSocketEvent,
    invocation: InvocationClock | undefined,
    work: (fanout: Fanout) => Promise<WebSocketResult>,
  ): Promise<WebSocketResult> {
    let fanout: Fanout | undefined;
    try {
      const shared = options.fanoutFor(event);
      fanout = invocation ? shared.until(retryDeadline(clock(), invocation.getRemainingTimeInMillis())) : shared;
      return await work(fanout);
    } catch (error) {
      const { connectionId, routeKey } = event.requestContext;
      log.error('handler failed', { connectionId, routeKey, error: String(error) });
      if (fanout && event.requestContext.eventType === 'MESSAGE') {
        const failure = chatError('INTERNAL_ERROR', 'The server could not process that; nothing was sent. Please try again.');
        // The sender's format is not known here (loading it may be what failed): JSON, the default. Its
        // client id is (a pure parse of the frame), so a client waiting for that id's answer gets it.
        const { clientId } = parseFrame(frameBody(event));
        await fanout.post(connectionId, delivery.encode(errorEvent(failure, undefined, clientId), 'json')).catch(() => undefined);
      }
      return { statusCode: 500, body: 'Internal server error' };
    }
  }
}

/** A frame's text as the client sent it (API Gateway base64-encodes binary frames). */
function frameBody(event: WebSocketEvent): string {
  return event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
}
