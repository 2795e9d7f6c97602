// One open WebSocket connection: its identity, activity, AWS's timers and limits, and a single way to
// end it, so that every kind of close (client, DELETE, idle, max duration, limit, gateway shutdown)
// reports exactly once — and `dropped` ends it without $disconnect.
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { ConnectionFacts } from './lambda-events.ts';
import { InboundFrameGuard } from './frame-guard.ts';
import type { GatewayLimits } from './types.ts';

export type EndCause =
  | 'client'
  | 'delete'
  | 'idle-timeout'
  | 'max-duration'
  | 'frame-too-big'
  | 'message-too-big'
  | 'binary-frame'
  | 'gateway-close'
  | 'dropped';

export interface ConnectionEnd {
  code: number;
  reason: string;
  cause: EndCause;
}

export interface ConnectionCallbacks {
  onMessage(connection: GatewayConnection, text: string): void;
  /** Called once, when the connection ends for whatever cause. */
  onEnd(connection: GatewayConnection, end: ConnectionEnd): void;
}

// Close reasons: AWS's own for DELETE (seen in API Gateway execution logs); the RFC 6455 meaning otherwise.
const GOING_AWAY = 'Going away';
export const CLOSE_FOR_DELETE = { code: 1000, reason: 'Connection Closed Normally' } as const;
const CLOSE_FOR_LIMIT = { 1003: 'Unsupported data', 1009: 'Message too big' } as const;

export class GatewayConnection implements ConnectionFacts {
  readonly connectionId: string;
  readonly connectedAt: number;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly authorizer: Record<string, string> | undefined;
  lastActiveAt: number;
  private ended = false;
  private deadline: NodeJS.Timeout | undefined;

  constructor(
    facts: ConnectionFacts,
    private readonly socket: WebSocket,
    rawSocket: Socket,
    private readonly limits: GatewayLimits,
    private readonly callbacks: ConnectionCallbacks,
  ) {
    this.connectionId = facts.connectionId;
    this.connectedAt = facts.connectedAt;
    this.sourceIp = facts.sourceIp;
    this.userAgent = facts.userAgent;
    this.authorizer = facts.authorizer;
    this.lastActiveAt = Date.now();

    const guard = new InboundFrameGuard(limits.frameBytes, limits.messageBytes);
    // Prepended so the guard sees each chunk before ws parses it.
    rawSocket.prependListener('data', (chunk: Buffer) => {
      const violation = guard.inspect(chunk);
      if (violation) this.end({ code: violation.code, reason: CLOSE_FOR_LIMIT[violation.code], cause: violation.cause });
    });
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (this.ended) return;
      if (isBinary) return this.end({ code: 1003, reason: CLOSE_FOR_LIMIT[1003], cause: 'binary-frame' });
      this.lastActiveAt = Date.now();
      callbacks.onMessage(this, rawDataToString(data));
    });
    socket.on('close', (code: number, reason: Buffer) => this.end({ code, reason: reason.toString(), cause: 'client' }));
    // ws closes the socket itself on protocol errors; 'close' follows and reports it.
    socket.on('error', () => {});
    this.scheduleDeadline();
  }

  get isOpen(): boolean {
    return !this.ended && this.socket.readyState === WebSocket.OPEN;
  }

  /** Bytes queued for the client but not yet handed to the OS. */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  /** Sends a text message, split into frames of at most `frameBytes` as API Gateway does. */
  sendText(data: Buffer | string): void {
    if (!this.isOpen) return;
    this.lastActiveAt = Date.now();
    const { frameBytes } = this.limits;
    if (data.length <= frameBytes && (typeof data !== 'string' || Buffer.byteLength(data) <= frameBytes)) {
      this.socket.send(data, { binary: false });
      return;
    }
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let offset = 0; offset < bytes.length; offset += frameBytes) {
      const fin = offset + frameBytes >= bytes.length;
      this.socket.send(bytes.subarray(offset, offset + frameBytes), { binary: false, fin });
    }
  }

  /** Stops reading the socket (fair admission: this connection's queue is full); TCP pushes back on the client. */
  pauseReading(): void {
    if (this.isOpen) this.socket.pause();
  }

  resumeReading(): void {
    if (this.isOpen) this.socket.resume();
  }

  /** Server-side close by DELETE @connections. */
  closeForDelete(): void {
    this.end({ ...CLOSE_FOR_DELETE, cause: 'delete' });
  }

  /** Gateway shutdown. */
  closeForShutdown(): void {
    this.end({ code: 1001, reason: GOING_AWAY, cause: 'gateway-close' });
  }

  /** Test hook: the socket vanishes and no close is reported ($disconnect is best-effort in AWS). */
  drop(): void {
    this.end({ code: 1006, reason: '', cause: 'dropped' });
  }

  private end(end: ConnectionEnd): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.deadline);
    if (end.cause === 'dropped') this.socket.terminate();
    else if (this.socket.readyState === WebSocket.OPEN) this.socket.close(end.code, end.reason);
    this.callbacks.onEnd(this, end);
  }

  // One timer per connection for both the idle timeout and the maximum duration. Activity only moves a
  // timestamp; when the timer fires early because of activity it is simply scheduled again.
  private scheduleDeadline(): void {
    const idleAt = this.lastActiveAt + this.limits.idleTimeoutMs;
    const maxAt = this.connectedAt + this.limits.maxDurationMs;
    this.deadline = setTimeout(() => this.onDeadline(), Math.max(0, Math.min(idleAt, maxAt) - Date.now()));
    this.deadline.unref();
  }

  private onDeadline(): void {
    const now = Date.now();
    if (now >= this.connectedAt + this.limits.maxDurationMs) this.end({ code: 1001, reason: GOING_AWAY, cause: 'max-duration' });
    else if (now >= this.lastActiveAt + this.limits.idleTimeoutMs) this.end({ code: 1001, reason: GOING_AWAY, cause: 'idle-timeout' });
    else this.scheduleDeadline();
  }
}

function rawDataToString(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
