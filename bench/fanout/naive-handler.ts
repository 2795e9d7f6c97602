// The reference we compare against: the pattern of AWS's public WebSocket chat sample
// (aws-samples/simple-websockets-chat-app, `sendmessage`; see test/fixtures/aws-sample-chat), as a
// route handler for this chat:
// - one Scan of the whole connections table per message (paged here: the sample reads only the first
//   1 MB page, which would silently drop recipients in a big room);
// - a new management API client per invocation (the sample creates it inside the handler), with the
//   SDK's default HTTP handler;
// - an unbounded Promise.all of postToConnection, one per connection found (`naive-bounded`: the same
//   with at most `concurrency` in flight, which isolates the bound from the rest of the pattern).
// Two tables, chosen per variant:
// - `chat-table`: this chat's own table, so the reference delivers what ours does (logged-in members of
//   the room who are not ignoring, `from` the sender's nickname) and must read every item to find them;
// - `sample-table`: the sample's own table of bare connection ids, which it posts `data` to verbatim.
//   The most favourable case for the Scan: it reads nothing but ids.
import pLimit from 'p-limit';
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { isAwsError } from '../../functions/aws-errors.ts';
import { LOBBY } from '../../functions/core/room.ts';
import { MEMBERS_INDEX_PARTITION_KEY as ROOM, PARTITION_KEY } from '../../functions/table.ts';
import type { WebSocketEvent, WebSocketResult } from '../../functions/websocket-event.ts';

export type NaiveTable = 'chat-table' | 'sample-table';

export interface NaiveOptions {
  table: NaiveTable;
  tableName: string;
  dynamodb: DynamoDBClient;
  callbackUrl: string;
  /** Posts in flight at most; undefined = all at once, as the sample. */
  concurrency?: number;
}

type Item = Record<string, AttributeValue>;

const CONNECTION_PREFIX = 'CONN#';

/** The sample's read of its recipients: every item of the table, page after page (bench/probes/scan-capacity.ts costs it too). */
export async function scanWholeTable(dynamodb: DynamoDBClient, tableName: string): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey, ReturnConsumedCapacity: 'TOTAL' }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

export function createNaiveHandler(options: NaiveOptions): (event: WebSocketEvent) => Promise<WebSocketResult> {

  /** Who gets the message, and the bytes they get. */
  function recipientsAndData(items: Item[], event: WebSocketEvent): { ids: string[]; data: string } {
    const body = JSON.parse(event.body ?? '{}') as { text?: string; data?: string };
    if (options.table === 'sample-table') {
      return { ids: items.map((item) => item.connectionId?.S ?? ''), data: body.data ?? '' };
    }
    const members = items.filter((item) => item[PARTITION_KEY]?.S?.startsWith(CONNECTION_PREFIX) && item.nickname?.S && item[ROOM]?.S === LOBBY);
    const sender = members.find((item) => item.connectionId?.S === event.requestContext.connectionId);
    const message = { type: 'message', at: new Date().toISOString(), room: LOBBY, from: sender?.nickname?.S ?? '', text: body.text ?? '' };
    const ids = members.filter((item) => item.ignoring?.BOOL !== true).map((item) => item.connectionId?.S ?? '');
    return { ids, data: JSON.stringify(message) };
  }

  return async (event) => {
    const { ids, data } = recipientsAndData(await scanWholeTable(options.dynamodb, options.tableName), event);
    const managementApi = new ApiGatewayManagementApiClient({ endpoint: options.callbackUrl });
    const limit: (post: () => Promise<void>) => Promise<void> = options.concurrency === undefined ? (post) => post() : pLimit(options.concurrency);
    const posts = ids.map((connectionId) => limit(async () => {
      try {
        await managementApi.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
      } catch (error) {
        if (!isAwsError(error, 'GoneException')) throw error; // the sample deletes the row here; the bench has no gone sockets
      }
    }));
    try {
      await Promise.all(posts);
    } catch (error) {
      return { statusCode: 500, body: String(error) };
    }
    return { statusCode: 200, body: 'Data sent.' };
  };
}
