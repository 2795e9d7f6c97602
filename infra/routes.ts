// The one map of what each route's Lambda is and may do. Adjust sizes and permissions here;
// chat-stack.ts only turns rows into resources, and the tests read this map to check the template.

/** DynamoDB actions a handler may use. Scan is deliberately not expressible: nothing may list the table. */
export type TableAction = 'dynamodb:GetItem' | 'dynamodb:PutItem' | 'dynamodb:UpdateItem' | 'dynamodb:DeleteItem' | 'dynamodb:Query';

/** `@connections/{id}` methods: POST sends, GET inspects, DELETE closes a socket. */
export type ConnectionMethod = 'POST' | 'GET' | 'DELETE';

export interface RouteHandler {
  /** API Gateway route key. */
  routeKey: string;
  /** Construct id (also names the function's log group and role in the template). */
  id: string;
  /** Handler module relative to the repository root; it exports `handler`. */
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Actions on the table; `dynamodb:Query` is granted on the table and its `members` index. */
  table: readonly TableAction[];
  /** Methods on this API's stage `@connections/*`; nothing else of execute-api. */
  connections: readonly ConnectionMethod[];
}

// Every handler reads and conditionally writes connection and nickname items, and queries the room
// (members index). $disconnect too: it announces leaves and removes stale connections.
const CHAT_ITEMS: readonly TableAction[] = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
];
// POST delivers; GET asks whether a connection (e.g. a nickname's holder) is still there. No DELETE:
// no handler closes sockets today (functions/gateway.ts); add it here the day one does.
const CHAT_CONNECTIONS: readonly ConnectionMethod[] = ['POST', 'GET'];

// Memory buys CPU on Lambda (1,769 MB = 1 vCPU). 512 MB where someone waits on the result
// (the handshake, a chat line's fan-out: SigV4 signing per @connections call is CPU work) and where a
// cold start's module init is felt; 256 MB for $disconnect, which nobody waits for.
// Timeouts stay well under API Gateway's 29 s integration limit; fan-out gets the most room.
export const ROUTE_HANDLERS: readonly RouteHandler[] = [
  { routeKey: '$connect', id: 'OnConnect', entry: 'functions/handlers/connect.ts', memoryMb: 512, timeoutSeconds: 6, table: CHAT_ITEMS, connections: CHAT_CONNECTIONS },
  { routeKey: '$disconnect', id: 'OnDisconnect', entry: 'functions/handlers/disconnect.ts', memoryMb: 256, timeoutSeconds: 10, table: CHAT_ITEMS, connections: CHAT_CONNECTIONS },
  { routeKey: 'message', id: 'OnMessage', entry: 'functions/handlers/message.ts', memoryMb: 512, timeoutSeconds: 10, table: CHAT_ITEMS, connections: CHAT_CONNECTIONS },
  { routeKey: '$default', id: 'OnDefault', entry: 'functions/handlers/default.ts', memoryMb: 512, timeoutSeconds: 10, table: CHAT_ITEMS, connections: CHAT_CONNECTIONS },
];

/** Routing: `{"action":"message", ...}` goes to `message`; anything else (plain text too) to `$default`. */
export const ROUTE_SELECTION_EXPRESSION = '$request.body.action';
