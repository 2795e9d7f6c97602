// Lambda entry for the `$connect` route. Accepts the handshake, or refuses it (400/409) when `?nickname=` is invalid or taken, or `?resume=` is not a current token.
import { containerChat, withMetrics } from '../container.ts';
import type { InvocationClock, WebSocketEvent, WebSocketResult } from '../websocket-event.ts';

export const handler = withMetrics((event: WebSocketEvent, context?: InvocationClock): Promise<WebSocketResult> =>
  containerChat().connect(event, context));
