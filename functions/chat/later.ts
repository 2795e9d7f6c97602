// Work the chat does a while after an event, as data (so it can wait in a queue): a user's leave is
// announced only once the resume grace has passed without a resume, so a quick reconnect shows the
// room nothing; a `?resume=` handshake is welcomed back once its connection can receive. A Lambda is frozen between invocations, so on AWS tasks wait in an SQS delay queue
// (functions/later-queue.ts) and come back through functions/handlers/later.ts; under `npm start` and
// in tests they wait on in-process timers, which hand them to the same handler code as an SQS event
// (functions/later-events.ts).
import { isEventFormat, type EventFormat } from '../core/text-format.ts';
import { isJsonObject, jsonFields, parseJson } from '../json-values.ts';

/** After the grace: "X left" in `room`, unless X resumed from the connection `awayFrom` meanwhile. */
export interface LeaveTask {
  readonly kind: 'leave';
  /** The `@connections` endpoint to announce through. */
  readonly endpoint: string;
  readonly nicknameKey: string;
  readonly nickname: string;
  readonly room: string;
  readonly awayFrom: string;
}

/**
 * A resume at `$connect` (`?resume=`): the `login` (with the new token), the replay after `afterSeq`
 * and `resumed`, once the connection can receive (API Gateway delivers nothing to it inside `$connect`).
 * It carries the new token: the queue is encrypted and only the stack's functions may use it.
 */
export interface WelcomeTask {
  readonly kind: 'welcome';
  readonly endpoint: string;
  readonly connectionId: string;
  /** Epoch ms: the wait for the connection to open is counted from here. */
  readonly connectedAt: number;
  readonly format: EventFormat;
  readonly nickname: string;
  readonly room: string;
  readonly ignoring: boolean;
  readonly resume: string;
  readonly afterSeq: number | null;
}

export type LaterTask = LeaveTask | WelcomeTask;

export interface Scheduler {
  /** Queues `task` to run after `delayMs`; rejects when it could not be queued (the caller then does it at once). */
  schedule(delayMs: number, task: LaterTask): Promise<void>;
}

// Tasks are ours, but a queue's body is text from outside the process: read it field by field.
const MAX_FIELD_LENGTH = 2048;
const field = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= MAX_FIELD_LENGTH;

/** The task in a queue message's body, or null if it is not one (a bug or a stranger's message: never run). */
export function parseLaterTask(body: string): LaterTask | null {
  const value = parseJson(body);
  if (!isJsonObject(value)) return null;
  // Own fields only, in a Map: nothing from the prototype, and no key is special.
  const fields = jsonFields(value);
  const text = (name: string): string | undefined => {
    const value = fields.get(name);
    return field(value) ? value : undefined;
  };
  const endpoint = text('endpoint');
  const nickname = text('nickname');
  const room = text('room');
  if (!endpoint || !nickname || !room) return null;
  const kind = fields.get('kind');
  if (kind === 'leave') {
    const nicknameKey = text('nicknameKey');
    const awayFrom = text('awayFrom');
    if (nicknameKey && awayFrom) return { kind, endpoint, nicknameKey, nickname, room, awayFrom };
  }
  if (kind === 'welcome') {
    const connectionId = text('connectionId');
    const resume = text('resume');
    const format = fields.get('format');
    const connectedAt = fields.get('connectedAt');
    const ignoring = fields.get('ignoring');
    const afterSeq = fields.get('afterSeq');
    const seqOk = afterSeq === null || (typeof afterSeq === 'number' && Number.isSafeInteger(afterSeq) && afterSeq >= 0);
    if (connectionId && resume && typeof format === 'string' && isEventFormat(format) && typeof connectedAt === 'number' && Number.isFinite(connectedAt) && typeof ignoring === 'boolean' && seqOk) {
      return { kind, endpoint, connectionId, connectedAt, format, nickname, room, ignoring, resume, afterSeq: typeof afterSeq === 'number' ? afterSeq : null };
    }
  }
  return null;
}
