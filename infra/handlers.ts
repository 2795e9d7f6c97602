// The one map of what each Lambda is and may do. Adjust sizes and permissions here; the stack only
// turns rows into resources. test/infra-permissions.test.ts runs every handler against a recording
// proxy and checks that each row grants exactly what that handler calls, no more and no less.

/** Single-item DynamoDB actions, on the table. Scan and the batch calls are deliberately not expressible. */
export type ItemAction = 'dynamodb:GetItem' | 'dynamodb:PutItem' | 'dynamodb:UpdateItem' | 'dynamodb:DeleteItem';

/** `@connections/{id}` methods: POST sends, GET inspects, DELETE closes a socket. */
export type ConnectionMethod = 'POST' | 'GET' | 'DELETE';

export interface HandlerPermissions {
  /** Actions on the table's items (granted on the table ARN only). */
  items: readonly ItemAction[];
  /** `dynamodb:Query` on the members index (room members and history; never on the table itself). */
  queryMembers: boolean;
  /** `dynamodb:Query` on the rooms index (`/rooms` and the scheduled push's room counts). */
  queryRooms: boolean;
  /** Methods on this API's stage `@connections/*`; nothing else of execute-api. */
  connections: readonly ConnectionMethod[];
  /** `secretsmanager:GetSecretValue` on the shared-token secret (granted with connectAuth=token only). */
  connectTokenSecret?: boolean;
  /** `sqs:SendMessage` on the deferred-work queue: it removes a named user's connection, whose leave waits out the resume grace. */
  scheduleLater: boolean;
}

export interface HandlerSpec extends HandlerPermissions {
  /** Construct id (also names the function's log group and role in the template). */
  id: string;
  /** Handler module relative to the repository root; it exports `handler`. */
  entry: string;
  /** Function and role description. */
  purpose: string;
  memoryMb: number;
  timeoutSeconds: number;
}

export interface RouteHandler extends HandlerSpec {
  /** API Gateway route key. */
  routeKey: string;
}

// What each route can call, traced through functions/chat.ts and functions/store.ts:
// - a login ($connect with ?nickname=, or /nick on either message route) claims the name (PutItem, GetItem
//   of the holder's claim and connection), may evict a holder whose socket answers 410 (GET @connections,
//   DeleteItem of its connection and claim), records the name (UpdateItem) and announces it (members
//   Query, POST); message routes also read the sender (GetItem), re-create a lost item (PutItem), flip
//   /i (UpdateItem), and evict recipients that answer 410 (DeleteItem);
//   entering a room counts it in (UpdateItem of the room's counter); `/rooms` reads the rooms index (Query);
//   `/resume` closes the connection it takes the name from (DELETE @connections);
// - every room event is numbered (UpdateItem of the room's counter) and kept (PutItem);
// - $disconnect deletes the connection and its claim, counts it out of its room (UpdateItem, DeleteItem of
//   an emptied counter), marks its user away (UpdateItem) and announces the leave: DeleteItem, UpdateItem,
//   PutItem, members Query, POST.
const CHAT_ITEMS: readonly ItemAction[] = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
// Every handler that can remove a named user's connection (its $disconnect, or a 410 on the way)
// defers that user's leave: sqs:SendMessage.
const CHAT: HandlerPermissions = { items: CHAT_ITEMS, queryMembers: true, queryRooms: true, connections: ['POST', 'GET', 'DELETE'], scheduleLater: true };
// No GET: $disconnect never logs anyone in, so it never asks whether a name's holder is still there.
const LEAVE: HandlerPermissions = {
  items: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'],
  queryMembers: true,
  queryRooms: false,
  connections: ['POST'],
  scheduleLater: true,
};

// Memory buys CPU on Lambda (1,769 MB = 1 vCPU). 512 MB where someone waits on the result
// (the handshake, a chat line's fan-out: SigV4 signing per @connections call is CPU work) and where a
// cold start's module init is felt; 256 MB for $disconnect, which nobody waits for.
// Timeouts stay well under API Gateway's 29 s integration limit; fan-out gets the most room.
export const ROUTE_HANDLERS: readonly RouteHandler[] = [
  // $connect never lists rooms; a ?resume= closes the connection it takes the name from (DELETE).
  { routeKey: '$connect', id: 'OnConnect', entry: 'functions/handlers/connect.ts', purpose: 'handshake, optional ?nickname= login or ?resume=', memoryMb: 512, timeoutSeconds: 6, ...CHAT, queryRooms: false },
  { routeKey: '$disconnect', id: 'OnDisconnect', entry: 'functions/handlers/disconnect.ts', purpose: 'cleanup and leave announcement', memoryMb: 256, timeoutSeconds: 10, ...LEAVE },
  { routeKey: 'message', id: 'OnMessage', entry: 'functions/handlers/message.ts', purpose: 'JSON {"action":"message"} frames', memoryMb: 512, timeoutSeconds: 10, ...CHAT },
  { routeKey: '$default', id: 'OnDefault', entry: 'functions/handlers/default.ts', purpose: 'plain text frames', memoryMb: 512, timeoutSeconds: 10, ...CHAT },
];

/**
 * The scheduled "N users online" push (EventBridge → Lambda): it reads the members index, posts to every
 * member and removes the connections that answer 410 (DeleteItem of the connection and its claim).
 * No API Gateway limit applies to it, so it gets a minute for a large fan-out.
 */
export const SCHEDULED_ANNOUNCE: HandlerSpec = {
  id: 'ScheduledAnnounce',
  entry: 'functions/handlers/scheduled-announce.ts',
  purpose: 'scheduled "N users online" announcement',
  memoryMb: 512,
  timeoutSeconds: 60,
  ...LEAVE,
  queryRooms: true, // the room counts
};

/**
 * The `$connect` authorizer (connectAuth other than none): it reads no table and posts nothing; with
 * connectAuth=token it reads the shared token's secret. Someone waits on it (the handshake), and it
 * verifies a signature: 512 MB, as the other handshake work; its answer must come well within 29 s.
 */
export const CONNECT_AUTHORIZER: HandlerSpec = {
  id: 'ConnectAuthorizer',
  entry: 'functions/handlers/authorizer.ts',
  purpose: '$connect sign-in (REQUEST authorizer)',
  memoryMb: 512,
  timeoutSeconds: 10,
  items: [],
  queryMembers: false,
  queryRooms: false,
  connections: [],
  connectTokenSecret: true,
  scheduleLater: false,
};

/**
 * The deferred-work consumer (SQS → Lambda, functions/handlers/later.ts): a leave after the resume grace
 * claims its announcement (UpdateItem), numbers, keeps and broadcasts it (UpdateItem, PutItem, members
 * Query, POST), and removes recipients that answer 410, whose own leaves it defers in turn (DeleteItem,
 * UpdateItem, SendMessage). Nobody waits on it: 256 MB, as $disconnect. Its queue's visibility timeout
 * is 6× this timeout (infra/later-queue.ts), as Lambda's SQS guidance has it.
 */
export const LATER_CONSUMER: HandlerSpec = {
  id: 'RunLater',
  entry: 'functions/handlers/later.ts',
  purpose: 'deferred work: leaves after the resume grace (SQS delay queue)',
  memoryMb: 256,
  timeoutSeconds: 30,
  ...LEAVE,
  // A `?resume=` welcome: it waits for the connection to open (GET @connections), reads the room's
  // last seq (GetItem) and its history after it (members Query), and posts the login, replay and resumed.
  items: ['dynamodb:GetItem', ...LEAVE.items],
  connections: ['POST', 'GET'],
};

/** Routing: `{"action":"message", ...}` goes to `message`; anything else (plain text too) to `$default`. */
export const ROUTE_SELECTION_EXPRESSION = '$request.body.action';
