// Fair admission of message invocations: each connection's frames wait in their own queue, queues are
// served round-robin, and a small cap of invocations may run per connection and in all. On AWS each
// invocation gets its own Lambda environment, so one client's flood cannot delay another's frame; here
// every handler shares one event loop, and first-come-first-served would put an honest frame behind
// the whole flood. A connection with a full queue is paused (its socket is not read, so TCP pushes
// back on the sender) until its queue has drained to half.
import type { AdmissionLimits } from './types.ts';

export type AdmittedTask = () => Promise<unknown>;

interface Lane {
  readonly tasks: (AdmittedTask | undefined)[];
  /** Index of the next task in `tasks` (shifting a long array per task would be quadratic). */
  head: number;
  running: number;
  paused: boolean;
}

export interface AdmissionHooks {
  /** The connection's queue is full: stop reading its socket. */
  pause(connectionId: string): void;
  /** Its queue has drained to half: read again. */
  resume(connectionId: string): void;
}

export class FairAdmission {
  private readonly lanes = new Map<string, Lane>();
  /** Lanes with a task waiting and room to start it, in round-robin order (Map keeps insertion order). */
  private readonly ready = new Map<string, Lane>();
  private running = 0;
  private waiting = 0;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly hooks: AdmissionHooks,
  ) {}

  /** Tasks queued and not yet started. */
  get queued(): number {
    return this.waiting;
  }

  /** Queues one invocation for the connection; it starts as soon as its turn and the caps allow. */
  submit(connectionId: string, task: AdmittedTask): void {
    let lane = this.lanes.get(connectionId);
    if (!lane) {
      lane = { tasks: [], head: 0, running: 0, paused: false };
      this.lanes.set(connectionId, lane);
    }
    lane.tasks.push(task);
    this.waiting += 1;
    if (lane.running < this.limits.perConnection) this.ready.set(connectionId, lane);
    if (!lane.paused && pendingIn(lane) >= this.limits.queuedPerConnection) {
      lane.paused = true;
      this.hooks.pause(connectionId);
    }
    this.pump();
  }

  private pump(): void {
    while (this.running < this.limits.total) {
      const next = this.ready.entries().next();
      if (next.done) return;
      const [connectionId, lane] = next.value;
      // To the back of the round: the next start goes to another connection, if any waits.
      this.ready.delete(connectionId);
      const task = lane.tasks[lane.head];
      lane.tasks[lane.head] = undefined; // let the closure go
      lane.head += 1;
      if (lane.head === lane.tasks.length) {
        lane.tasks.length = 0;
        lane.head = 0;
      }
      this.waiting -= 1;
      lane.running += 1;
      this.running += 1;
      if (pendingIn(lane) > 0 && lane.running < this.limits.perConnection) this.ready.set(connectionId, lane);
      if (lane.paused && pendingIn(lane) <= this.limits.queuedPerConnection / 2) {
        lane.paused = false;
        this.hooks.resume(connectionId);
      }
      void run(task).then(() => this.finished(connectionId, lane));
    }
  }

  private finished(connectionId: string, lane: Lane): void {
    lane.running -= 1;
    this.running -= 1;
    if (pendingIn(lane) > 0) this.ready.set(connectionId, lane);
    else if (lane.running === 0) this.lanes.delete(connectionId);
    this.pump();
  }
}

function pendingIn(lane: Lane): number {
  return lane.tasks.length - lane.head;
}

/** A task never rejects into the scheduler: the gateway's tasks report their own outcome. */
async function run(task: AdmittedTask | undefined): Promise<void> {
  try {
    await task?.();
  } catch {
    // reported by the task itself
  }
}
