// Lambda entry for the `$default` route. Every other frame (plain text as typed in wscat) is chat text as a whole.
import { containerChat } from '../container.ts';
import type { InvocationClock, WebSocketEvent, WebSocketResult } from '../websocket-event.ts';

export const handler = (event: WebSocketEvent, context?: InvocationClock): Promise<WebSocketResult> =>
  containerChat().message(event, context);
