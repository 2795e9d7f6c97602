// Lambda entry for the `$disconnect` route. Removes the connection and its nickname claim, and announces the leave.
import { containerChat } from '../container.ts';
import type { WebSocketEvent, WebSocketResult } from '../websocket-event.ts';

export const handler = (event: WebSocketEvent): Promise<WebSocketResult> => containerChat().disconnect(event);
