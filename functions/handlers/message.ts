// Lambda entry for the `message` route. JSON frames with `"action":"message"`: the chat text is their `text` field.
import { containerChat } from '../container.ts';
import type { WebSocketEvent, WebSocketResult } from '../websocket-event.ts';

export const handler = (event: WebSocketEvent): Promise<WebSocketResult> => containerChat().message(event);
