// The one-line-per-event log of `npm start`: time, event type, route, connection, status, duration.
// With logging off (the default, and in tests) nothing is formatted at all.
import type { LocalGatewayOptions } from './types.ts';

export type LogSink = (line: string) => void;

export function resolveLogSink(log: LocalGatewayOptions['log']): LogSink | undefined {
  if (typeof log === 'function') return log;
  return log ? (line) => console.log(line) : undefined;
}

export interface EventLogFields {
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  routeKey: string;
  connectionId: string;
  /** HTTP-style status, or what happened instead (error, timeout, Forbidden). */
  status: string | number;
  durationMs?: number;
  /** Extra detail, e.g. the close code and cause of a disconnect, or an error message. */
  detail?: string;
}

export function formatEventLine({ eventType, routeKey, connectionId, status, durationMs, detail }: EventLogFields): string {
  const time = new Date().toISOString().slice(11, 23);
  const duration = durationMs === undefined ? '' : ` ${Math.round(durationMs)}ms`;
  return `${time} ${eventType.padEnd(10)} ${routeKey.padEnd(14)} ${connectionId} ${status}${duration}${detail ? `  ${detail}` : ''}`;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
