// Faults of the store's own DynamoDB client (functions/store/dynamodb-http.ts) that its first tests do
// not reach: an answer withheld after a write was applied, a signing identity that fails once, a 200
// that is not JSON. Real loopback servers and the embedded emulator; nothing sleeps.
import { createServer, request } from 'node:http';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeSha256, type AwsSigning } from '../functions/aws-signing.ts';
import { createStore } from '../functions/store.ts';
import { createDynamoDbHttp } from '../functions/store/dynamodb-http.ts';
import { closeNow, listenOnLoopback } from '../local/listening.ts';
import { startTestTable, type TestTable } from './support/table.ts';

const CREDENTIALS = { accessKeyId: 'AKIDFAULTS', secretAccessKey: 'faults-secret' };
const SIGNING: AwsSigning = { credentials: () => Promise.resolve(CREDENTIALS), region: () => Promise.resolve('us-east-1'), sha256: NodeSha256 };

let table: TestTable;

beforeAll(async () => {
  table = await startTestTable('faults-http');
});
afterAll(() => table.close());

/**
 * Forwards every request to the emulator; the first one of `operation` is applied there but its answer
 * never comes back (the socket stays open and silent). `withheld` resolves once it has been applied.
 */
function withholdingProxy(target: string, operation: string) {
  const upstream = new URL(target);
  let pending = true;
  let applied: () => void = () => undefined;
  const withheld = new Promise<void>((resolve) => (applied = resolve));
  const server = createServer((incoming, outgoing) => {
    void buffer(incoming).then((received) => {
      const hold = pending && incoming.headers['x-amz-target'] === `DynamoDB_20120810.${operation}`;
      if (hold) pending = false;
      const forwarded = request({ host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (response) => {
        if (hold) {
          response.resume();
          response.on('end', applied);
          return; // the write is done; its answer is lost
        }
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      });
      forwarded.on('error', (error) => outgoing.destroy(error));
      forwarded.end(received);
    });
  });
  return { server, withheld };
}

describe("the store's DynamoDB client under faults", () => {
  it('does not apply a counter write twice when its answer is withheld (the SDK the store used had no timeout to retry on)', async () => {
    const { server, withheld } = withholdingProxy(table.endpoint, 'UpdateItem');
    const endpoint = await listenOnLoopback(server);
    const db = createDynamoDbHttp({ endpoint, signing: SIGNING, timeoutMs: 200, sleep: () => Promise.resolve() });
    const store = createStore(db, { tableName: table.tableName });
    try {
      const entered = store.enterRoom('double-count').catch((error: unknown) => error);
      await withheld;
      await entered; // a timeout is an acceptable answer; a second increment is not
      await expect(table.store().roomCount('double-count')).resolves.toBe(1);
    } finally {
      db.destroy();
      await closeNow(server);
    }
  });

  it('asks the signing identity again after its Region failed once, instead of failing every request after', async () => {
    let asked = 0;
    const flaky: AwsSigning = {
      ...SIGNING,
      region: () => {
        asked += 1;
        return asked === 1 ? Promise.reject(new Error('region not yet known')) : Promise.resolve('us-east-1');
      },
    };
    const db = createDynamoDbHttp({ endpoint: table.endpoint, signing: flaky, sleep: () => Promise.resolve() });
    try {
      await expect(db.call('GetItem', { TableName: table.tableName, Key: { pk: { S: 'nobody' } } })).rejects.toThrow('region not yet known');
      await expect(db.call('GetItem', { TableName: table.tableName, Key: { pk: { S: 'nobody' } } })).resolves.toEqual({});
    } finally {
      db.destroy();
    }
  });

  it('keeps the status and request id of a 200 whose body is not JSON (a proxy page), as the SDK does', async () => {
    const server = createServer((incoming, outgoing) => {
      incoming.resume();
      incoming.on('end', () => outgoing.writeHead(200, { 'content-type': 'text/html', 'x-amzn-requestid': 'html-page' }).end('<html>captive portal</html>'));
    });
    const endpoint = await listenOnLoopback(server);
    const db = createDynamoDbHttp({ endpoint, signing: SIGNING, sleep: () => Promise.resolve() });
    try {
      const failed = await db.call('GetItem', { TableName: 'x', Key: { pk: { S: 'a' } } }).catch((error: unknown) => error);
      expect(failed).toMatchObject({ $metadata: { httpStatusCode: 200, requestId: 'html-page' } });
    } finally {
      db.destroy();
      await closeNow(server);
    }
  });
});
