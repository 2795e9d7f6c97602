// Helpers for the local gateway's own tests: gateways and clients that are cleaned up when the test ends,
// the real management API client, a recorder for the events handlers receive, and plain HTTP for what
// the SDK never sends. Everything is real: sockets, HTTP, the AWS SDK.
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { request, type IncomingHttpHeaders } from 'node:http';
import dynalite from 'dynalite';
import { onTestFinished } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/aws-env.ts';
import { startLocalGateway, type GatewayEvent, type LocalGateway, type LocalGatewayOptions } from '../../local/gateway/index.ts';
import { closeNow, listenOnLoopback } from '../../local/listening.ts';
import { TextClient, type Attempt, type OpenOptions } from './client.ts';

/** A gateway on a free port, closed when the test ends. */
export async function startTestGateway(options: LocalGatewayOptions): Promise<LocalGateway> {
  const gateway = await startLocalGateway({ port: 0, ...options });
  onTestFinished(() => gateway.close());
  return gateway;
}

/** The real SDK client against the gateway; one attempt by default so 429s surface instead of retrying. */
export function managementClient(callbackUrl: string, maxAttempts = 1): ApiGatewayManagementApiClient {
  const client = new ApiGatewayManagementApiClient({ endpoint: callbackUrl, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts });
  onTestFinished(() => client.destroy());
  return client;
}

/** Opens a text client, terminated when the test ends; rejects if the gateway refuses the handshake. */
export async function openClient(url: string, options: OpenOptions = {}): Promise<TextClient> {
  return (await TextClient.open(url, options)).endWithTest();
}

/** Attempts a handshake: the open client (terminated when the test ends), or the HTTP refusal. */
export async function tryConnect(url: string, options: OpenOptions = {}): Promise<Attempt<TextClient>> {
  const outcome = await TextClient.attempt(url, options);
  if ('client' in outcome) outcome.client.endWithTest();
  return outcome;
}

/** Collects handler events and lets a test wait for one matching a predicate. */
export class EventRecorder {
  readonly events: GatewayEvent[] = [];
  private waiters: Array<{ match: (event: GatewayEvent) => boolean; resolve: (event: GatewayEvent) => void }> = [];

  record = (event: GatewayEvent): void => {
    this.events.push(event);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.match(event)) return true;
      waiter.resolve(event);
      return false;
    });
  };

  waitFor(match: (event: GatewayEvent) => boolean): Promise<GatewayEvent> {
    const found = this.events.find(match);
    return found ? Promise.resolve(found) : new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  ofType(eventType: GatewayEvent['requestContext']['eventType']): GatewayEvent[] {
    return this.events.filter((event) => event.requestContext.eventType === eventType);
  }
}

export const disconnectOf = (connectionId: string) => (event: GatewayEvent) =>
  event.requestContext.eventType === 'DISCONNECT' && event.requestContext.connectionId === connectionId;

/** The connection id a client got, read from the single open connection after it connected. */
export function onlyConnectionId(gateway: LocalGateway): string {
  const ids = gateway.connectionIds();
  if (ids.length !== 1) throw new Error(`expected one connection, found ${ids.length}`);
  return ids[0] ?? '';
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A plain HTTP request to the gateway, the path sent exactly as given (no URL normalisation on this side). */
export function rawRequest(gateway: LocalGateway, method: string, path: string, body?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: gateway.port, method, path }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `text` as a regular expression that matches exactly it (a connection id in an event log line). */
export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A table of connection ids (`connectionId`, the shape public sample chats use) on a fresh dynalite of
 * its own, closed when the test ends; `storedIds()` reads it back, sorted.
 */
export async function sampleConnectionsTable(tableName: string): Promise<{ endpoint: string; storedIds(): Promise<Array<string | undefined>> }> {
  const dynamo = dynalite({ createTableMs: 0 });
  const endpoint = await listenOnLoopback(dynamo);
  onTestFinished(() => closeNow(dynamo));
  const ddb = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  onTestFinished(() => ddb.destroy());
  await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'connectionId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return {
    endpoint,
    storedIds: async () => ((await ddb.send(new ScanCommand({ TableName: tableName }))).Items ?? []).map((item) => item.connectionId?.S).sort(),
  };
}
