// Work the chat does a while after an event, as data (so it can wait in a queue): a user's leave is
// announced only once the resume grace has passed without a resume, so a quick reconnect shows the
// room nothing. A Lambda is frozen between invocations, so on AWS tasks wait in an SQS delay queue
// (functions/later-queue.ts) and come back through functions/handlers/later.ts; under `npm start` and
// in tests they wait on in-process timers, which hand them to the same handler code as an SQS event
// (functions/later-events.ts).

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

export type LaterTask = LeaveTask;

export interface Scheduler {
  /** Queues `task` to run after `delayMs`; rejects when it could not be queued (the caller then does it at once). */
  schedule(delayMs: number, task: LaterTask): Promise<void>;
}

// Tasks are ours, but a queue's body is text from outside the process: read it field by field.
const MAX_FIELD_LENGTH = 2048;
const field = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= MAX_FIELD_LENGTH;

/** The task in a queue message's body, or null if it is not one (a bug or a stranger's message: never run). */
export function parseLaterTask(body: string): LaterTask | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  // Own fields only, in a Map: nothing from the prototype, and no key is special.
  const fields = new Map<string, unknown>(Object.entries(value));
  const endpoint = fields.get('endpoint');
  const nicknameKey = fields.get('nicknameKey');
  const nickname = fields.get('nickname');
  const room = fields.get('room');
  const awayFrom = fields.get('awayFrom');
  if (fields.get('kind') === 'leave' && field(endpoint) && field(nicknameKey) && field(nickname) && field(room) && field(awayFrom)) {
    return { kind: 'leave', endpoint, nicknameKey, nickname, room, awayFrom };
  }
  return null;
}
