// Lambda entry for the `$default` route. Every other frame (plain text as typed in wscat) is chat text as a whole.
import { containerChat, withMetrics } from '../container.ts';
import type { InvocationClock, WebSocketEvent, WebSocketResult } from '../websocket-event.ts';

export const handler = withMetrics((event: WebSocketEvent, context?: InvocationClock): Promise<WebSocketResult> =>
  containerChat().message(event, context));
