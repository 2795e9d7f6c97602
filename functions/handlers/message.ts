// Lambda entry for the `message` route. JSON frames with `"action":"message"`: the chat text is their `text` field.
import { containerChat, withMetrics } from '../container.ts';
import type { InvocationClock, WebSocketEvent, WebSocketResult } from '../websocket-event.ts';

export const handler = withMetrics((event: WebSocketEvent, context?: InvocationClock): Promise<WebSocketResult> =>
  containerChat().message(event, context));
