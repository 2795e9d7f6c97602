// All DynamoDB access, behind one interface (store/types.ts). One table: connections, nickname claims,
// room counters, numbered room events, resume records, nickname owners (keys in store/keys.ts). dynalite has no TransactWriteItems, so every
// multi-item change is a sequence of conditional writes, ordered so that a crash in between leaves at
// most an orphaned claim (which login can detect and take over) or a room counter off by one.
import { claimItems } from './store/claims.ts';
import { connectionItems } from './store/connections.ts';
import { ownerItems } from './store/owners.ts';
import { resumeItems } from './store/resumes.ts';
import { roomEventItems } from './store/room-events.ts';
import { rateWindow } from './store/rate-window.ts';
import type { DynamoDbHttp } from './store/dynamodb-http.ts';
import { createRequests } from './store/requests.ts';
import { roomItems } from './store/rooms.ts';
import type { ChatStore, StoreOptions } from './store/types.ts';
import { DEFAULT_SETTINGS } from './settings.ts';

export type * from './store/types.ts';
export { CONNECTION_LIFETIME_SECONDS, expiryFor } from './store/keys.ts';
export { ROOMS_COUNTED } from './store/rooms.ts';
export { createDynamoDbHttp, type DynamoDbHttp } from './store/dynamodb-http.ts';

export function createStore(dynamodb: DynamoDbHttp, options: StoreOptions): ChatStore {
  const requests = createRequests(dynamodb, options);
  const connections = connectionItems(requests);
  return {
    metrics: requests.metrics,
    ...connections,
    ...claimItems(requests),
    ...roomItems(requests, options),
    ...roomEventItems(requests, options.historyTtlSeconds ?? DEFAULT_SETTINGS.historyTtlSeconds),
    ...resumeItems(requests),
    ...ownerItems(requests),
    ...rateWindow(requests, connections.getConnection),
  };
}
