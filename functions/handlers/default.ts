// Lambda entry for the `$default` route. Every other frame (plain text as typed in wscat) is chat text as a whole.
import { containerChat } from '../container.ts';
import type { WebSocketEvent, WebSocketResult } from '../websocket-event.ts';

export const handler = (event: WebSocketEvent): Promise<WebSocketResult> => containerChat().message(event);
