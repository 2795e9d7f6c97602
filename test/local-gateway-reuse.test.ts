// The gateway runs any Lambda proxy WebSocket handler, not only ours: handlers by module path (plain JS
// written like AWS's samples, TypeScript, legacy callbacks), hot reload, the Lambda-like context, the
// event log, start-up validation, and type compatibility with the handlers' own event type.
import type { Context } from 'aws-lambda';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { WebSocketEvent, WebSocketResult } from '../functions/websocket-event.ts';
import { LOCAL_AWS_ENV } from '../local/aws-env.ts';
import { startLocalGateway, type LambdaContextLike, type LambdaHandler } from '../local/gateway/index.ts';
import { escapeRegExp, openClient, sampleConnectionsTable, startTestGateway } from './support/gateway.ts';
import { ROOT, tsNodeArgs } from './support/processes.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Sets environment variables for the test and restores them afterwards. */
function setEnv(values: Record<string, string>): void {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  onTestFinished(() => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}

describe('an AWS-sample-style plain-JS chat, unchanged, by module path', () => {
  it('connects, broadcasts through the real SDK, and cleans up a stale connection on GoneException', async () => {
    const { endpoint: dynamoEndpoint, storedIds } = await sampleConnectionsTable('sample-connections');

    const gateway = await startTestGateway({
      routes: {
        $connect: { module: fixture('aws-sample-chat/onconnect.mjs') },
        $disconnect: { module: fixture('aws-sample-chat/ondisconnect.mjs') },
        sendmessage: { module: fixture('aws-sample-chat/sendmessage.mjs') },
      },
      routeResponses: ['sendmessage'], // the sender hears 'Data sent.' once the handler has finished
    });
    // The sample reads its configuration from the environment, as it would in Lambda.
    setEnv({
      TABLE_NAME: 'sample-connections',
      APIGW_ENDPOINT: gateway.callbackUrl,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      AWS_ACCESS_KEY_ID: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY,
    });
    const quietSample = vi.spyOn(console, 'log').mockImplementation(() => {}); // the sample logs stale connections
    onTestFinished(() => quietSample.mockRestore());

    const [alice, bob, carol] = [await openClient(gateway.url), await openClient(gateway.url), await openClient(gateway.url)];
    expect(await storedIds()).toEqual([...gateway.connectionIds()].sort());

    alice.socket.send(JSON.stringify({ action: 'sendmessage', data: 'hello everyone' }));
    expect(await Promise.all([alice, bob, carol].map((client) => client.nextMessage()))).toEqual(['hello everyone', 'hello everyone', 'hello everyone']);
    expect(await alice.nextMessage()).toBe('Data sent.');

    // Carol's connection is lost without $disconnect: her row goes stale until a send hits GoneException.
    const [carolId] = gateway.connectionIds().slice(-1);
    gateway.dropConnection(carolId ?? '');
    bob.socket.send(JSON.stringify({ action: 'sendmessage', data: 'anyone left?' }));
    expect([await alice.nextMessage(), await bob.nextMessage()]).toEqual(['anyone left?', 'anyone left?']);
    expect(await bob.nextMessage()).toBe('Data sent.');
    expect(await storedIds()).toEqual([...gateway.connectionIds()].sort());

    await gateway.close();
    expect(await storedIds()).toEqual([]); // every remaining $disconnect deleted its row
  });
});

describe('module targets', () => {
  it('imports a TypeScript module with a named export on first use', async () => {
    const gateway = await startTestGateway({
      routes: { $default: { module: fixture('named-export-handler.ts'), export: 'onMessage' } },
      routeResponses: ['$default'],
    });
    const client = await openClient(gateway.url);

    client.socket.send('hi');
    expect(await client.nextMessage()).toBe('ts:hi');
  });

  it('settles legacy callback-style handlers by their callback', async () => {
    const gateway = await startTestGateway({
      routes: { $default: { module: fixture('callback-handler.mjs') }, fail: { module: fixture('callback-handler.mjs'), export: 'failing' } },
      routeResponses: ['$default'],
    });
    const client = await openClient(gateway.url);

    client.socket.send('x');
    expect(await client.nextMessage()).toBe('callback:callback-handler:x');
    client.socket.send('{"action":"fail"}');
    expect(JSON.parse(await client.nextMessage())).toMatchObject({ message: 'Internal server error' });
  });

  it('answers Internal server error when the export is not a function', async () => {
    const lines: string[] = [];
    const gateway = await startTestGateway({
      routes: { $default: { module: fixture('named-export-handler.ts'), export: 'notAFunction' } },
      log: (line) => lines.push(line),
    });
    const client = await openClient(gateway.url);

    client.socket.send('x');
    expect(JSON.parse(await client.nextMessage())).toMatchObject({ message: 'Internal server error' });
    expect(lines.join('\n')).toMatch(/has no function export "notAFunction"/);
  });
});

describe('hot reload', () => {
  function tempHandlerDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-hot-'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  it('re-imports a changed handler file on the next event, and keeps an unchanged one', async () => {
    const dir = tempHandlerDir();
    const file = join(dir, 'handler.mjs');
    writeFileSync(file, 'let calls = 0;\nexport const handler = () => ({ statusCode: 200, body: `v1 call ${++calls}` });\n');
    const gateway = await startTestGateway({ hotReload: true, routes: { $default: { module: file } }, routeResponses: ['$default'] });
    const client = await openClient(gateway.url);

    client.socket.send('a');
    expect(await client.nextMessage()).toBe('v1 call 1');
    client.socket.send('b');
    expect(await client.nextMessage()).toBe('v1 call 2'); // same module instance while unchanged
    writeFileSync(file, 'export const handler = () => ({ statusCode: 200, body: "version two" });\n');
    client.socket.send('c');
    expect(await client.nextMessage()).toBe('version two');
  });

  it('fails the event while an edit leaves the file broken, and recovers on the next event once it is fixed', async () => {
    const dir = tempHandlerDir();
    const file = join(dir, 'handler.mjs');
    writeFileSync(file, 'export const handler = () => ({ statusCode: 200, body: "before" });\n');
    const lines: string[] = [];
    const gateway = await startTestGateway({ hotReload: true, routes: { $default: { module: file } }, routeResponses: ['$default'], log: (line) => lines.push(line) });
    const client = await openClient(gateway.url);

    client.socket.send('a');
    expect(await client.nextMessage()).toBe('before');
    writeFileSync(file, 'export const handler = () => ({ statusCode: 200, body: "half-typed"\n'); // a syntax error mid-edit
    client.socket.send('b');
    expect(JSON.parse(await client.nextMessage())).toMatchObject({ message: 'Internal server error' });
    expect(lines.join('\n')).toMatch(/MESSAGE +\$default +\S+ error \d+ms\n +\S*Error/); // the event line, then the error
    writeFileSync(file, 'export const handler = () => ({ statusCode: 200, body: "after the fix" });\n');
    client.socket.send('c');
    expect(await client.nextMessage()).toBe('after the fix');
  });

  it('under Node.js with tsx (npm start), also reloads the local files a handler imports', async () => {
    const dir = tempHandlerDir();
    const entry = join(dir, 'handler.ts');
    const dependency = join(dir, 'greeting.ts');
    writeFileSync(dependency, 'export const greeting = (name: string): string => `hello ${name}`;\n');
    writeFileSync(entry, "import { greeting } from './greeting.ts';\nexport const handler = (event: { body?: string }) => ({ statusCode: 200, body: greeting(event.body ?? '') });\n");
    const child = spawn(process.execPath, tsNodeArgs(fixture('hot-reload-child.ts'), entry), {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    onTestFinished(() => {
      if (child.exitCode === null) child.kill();
    });
    const [firstLine] = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((result) => [String(result.value)]);
    const { url } = JSON.parse(firstLine ?? '{}') as { url: string };
    const client = await openClient(url);

    client.socket.send('world');
    expect(await client.nextMessage()).toBe('hello world');
    writeFileSync(dependency, 'export const greeting = (name: string): string => `good morning, ${name}!`;\n');
    client.socket.send('world');
    expect(await client.nextMessage()).toBe('good morning, world!');

    child.stdin.end();
    await new Promise((resolve) => child.once('exit', resolve));
  });
});

describe('Lambda context', () => {
  it('gives each invocation a request id, the function name and the remaining time', async () => {
    const contexts: LambdaContextLike[] = [];
    const gateway = await startTestGateway({
      limits: { handlerTimeoutMs: 5_000 },
      routes: {
        $default: function chatDefault(_event, context) {
          contexts.push(context);
          return { statusCode: 200, body: String(context.getRemainingTimeInMillis()) };
        },
      },
      routeResponses: ['$default'],
    });
    const client = await openClient(gateway.url);

    client.socket.send('one');
    const remaining = Number(await client.nextMessage());
    client.socket.send('two');
    await client.nextMessage();

    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(5_000);
    expect(contexts[0]).toMatchObject({
      functionName: 'chatDefault',
      functionVersion: '$LATEST',
      invokedFunctionArn: expect.stringMatching(/^arn:aws:lambda:[^:]+:\d{12}:function:chatDefault$/),
      awsRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(contexts[0]?.awsRequestId).not.toBe(contexts[1]?.awsRequestId);
  });
});

describe('event log', () => {
  it('writes one line per event with route, connection, status and duration, and nothing by default', async () => {
    const consoleLog = vi.spyOn(console, 'log');
    onTestFinished(() => consoleLog.mockRestore());
    const quiet = await startTestGateway({ routes: { $connect: () => ({ statusCode: 200 }) } });
    await openClient(quiet.url);
    await quiet.close();
    expect(consoleLog).not.toHaveBeenCalled();

    const lines: string[] = [];
    const gateway = await startTestGateway({
      routes: { $connect: () => ({ statusCode: 200 }), $disconnect: () => {}, chat: () => ({ statusCode: 202 }) },
      log: (line) => lines.push(line),
    });
    const client = await openClient(gateway.url);
    const [id = ''] = gateway.connectionIds();
    client.socket.send('{"action":"chat"}');
    client.socket.send('{"action":"nowhere"}');
    await client.nextMessage(); // the Forbidden frame
    client.socket.close(1000);
    await client.whenClosed();
    await gateway.close();

    expect(lines).toHaveLength(4);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`CONNECT +\\$connect +${escapeRegExp(id)} 200 \\d+ms$`)),
        expect.stringMatching(new RegExp(`MESSAGE +chat +${escapeRegExp(id)} 202 \\d+ms$`)),
        expect.stringMatching(new RegExp(`MESSAGE +\\(no route\\) +${escapeRegExp(id)} Forbidden$`)),
        expect.stringMatching(new RegExp(`DISCONNECT +\\$disconnect +${escapeRegExp(id)} ok \\d+ms  1000 client$`)),
      ]),
    );
  });
});

describe('start-up validation', () => {
  it.each([
    ['a custom route key starting with $', { routes: { $foo: () => {} } }, /must not start with '\$'/],
    ['a module path that does not exist', { routes: { $default: { module: '/nonexistent/handler.mjs' } } }, /module not found/],
    ['a selection expression on headers', { routes: {}, routeSelectionExpression: '$request.header.action' }, /only \$request\.body/],
    ['a route response for a missing route', { routes: {}, routeResponses: ['missing'] }, /unknown route missing/],
    ['a zero limit', { routes: {}, limits: { frameBytes: 0 } }, /limits\.frameBytes/],
    ['a stage with a slash', { routes: {}, stage: 'a/b' }, /invalid stage/],
  ])('rejects %s', async (_label, options, message) => {
    await expect(startLocalGateway({ port: 0, ...options })).rejects.toThrow(message);
  });
});

describe('types', () => {
  it('accepts handlers typed with the project\'s WebSocketEvent and aws-lambda\'s Context', () => {
    // Compile-time checks: these assignments fail `tsc` if the gateway's types drift.
    const ours: LambdaHandler = async (event: WebSocketEvent): Promise<WebSocketResult> => ({ statusCode: 200, body: event.body ?? '' });
    const withAwsContext: LambdaHandler = (_event, context: Context) => ({ statusCode: 200, body: context.awsRequestId });
    expect([typeof ours, typeof withAwsContext]).toEqual(['function', 'function']);
  });
});
