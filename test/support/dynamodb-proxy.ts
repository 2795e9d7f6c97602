// A real HTTP proxy in front of the emulator that can answer an operation itself, as DynamoDB answers
// a throttled one: the faults reach the store's own HTTP client per attempt, inside its retry loop.
import { createServer, request, type IncomingMessage } from 'node:http';
import { buffer } from 'node:stream/consumers';
import { closeNow, listenOnLoopback } from '../../local/listening.ts';

/** An answer in DynamoDB's JSON protocol, e.g. a 400 `ProvisionedThroughputExceededException`. */
export interface ProxyAnswer {
  status: number;
  type: string;
  message: string;
}

export interface DynamoDbProxy {
  endpoint: string;
  close(): Promise<void>;
}

/** `intercept` sees each request's operation (`UpdateItem`, from X-Amz-Target): an answer, or undefined to pass it on. */
export async function startDynamoDbProxy(target: string, intercept: (operation: string) => ProxyAnswer | undefined): Promise<DynamoDbProxy> {
  const upstream = new URL(target);
  const server = createServer((incoming, outgoing) => {
    void buffer(incoming).then((received) => {
      const answer = intercept(operationOf(incoming));
      if (answer) {
        const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${answer.type}`, message: answer.message });
        outgoing.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'proxy' }).end(body);
        return;
      }
      const forwarded = request(
        { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      forwarded.on('error', (error) => outgoing.destroy(error));
      forwarded.end(received);
    });
  });
  return { endpoint: await listenOnLoopback(server), close: () => closeNow(server) };
}

function operationOf(incoming: IncomingMessage): string {
  const target = incoming.headers['x-amz-target'];
  return typeof target === 'string' ? target.slice(target.indexOf('.') + 1) : '';
}
