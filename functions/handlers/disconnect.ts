// Lambda entry for the `$disconnect` route. Removes the connection and its nickname claim, and announces the leave.
import { containerChat, withMetrics } from '../container.ts';
import type { InvocationClock, WebSocketEvent, WebSocketResult } from '../websocket-event.ts';

export const handler = withMetrics((event: WebSocketEvent, context?: InvocationClock): Promise<WebSocketResult> =>
  containerChat().disconnect(event, context));
