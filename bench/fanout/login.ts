// Logs every open connection in, with the same store writes `/nick` makes (claim the name, then set it
// on the connection), but without the "X joined" announcement: N logins through the chat would post
// N²/2 announcements (12.5 million at 5,000 clients), which is set-up, not what is measured. Each
// connection is also written to the sample's own table, as the sample's $connect would.
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { LOBBY } from '../../functions/core/room.ts';
import type { ChatStore } from '../../functions/store.ts';

export async function logInAll(
  store: ChatStore,
  dynamodb: DynamoDBClient,
  sampleTable: string,
  connectionIds: readonly string[],
  parallel = 32,
): Promise<void> {
  const limit = pLimit(parallel);
  const connectedAt = Date.now();
  await Promise.all(
    connectionIds.map((connectionId, index) =>
      limit(async () => {
        const nickname = `u${index}`; // already case-folded: the nickname is its own key
        const claim = await store.claimNickname(nickname, nickname, connectionId, connectedAt, 1);
        if (!claim.claimed) throw new Error(`could not claim ${nickname}`);
        if ((await store.setNickname(connectionId, nickname, nickname, LOBBY, 1, { session: 'test-session' })).status !== 'set') throw new Error(`connection ${connectionId} is gone`);
        await dynamodb.send(new PutItemCommand({ TableName: sampleTable, Item: { connectionId: { S: connectionId } } }));
      }),
    ),
  );
}
