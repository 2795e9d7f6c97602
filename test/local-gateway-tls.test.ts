// wss:// and https:// on the gateway's own port, beside ws:// and http://: a local CA and server
// certificate made on first start and reused, trusted by the handlers the gateway runs (a real SDK v3
// client at https://${domainName}/${stage}), and by outside clients given the CA file.
import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { LOCAL_AWS_ENV } from '../local/aws-env.ts';
import type { LocalGateway } from '../local/gateway/index.ts';
import { managementClient, onlyConnectionId, openClient, rawRequest, sampleConnectionsTable, startTestGateway } from './support/gateway.ts';
import { ROOT } from './support/processes.ts';
import { waitUntil } from './support/wait.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/tls-broadcast/${name}`, import.meta.url));
const v2Fixture = (name: string) => fileURLToPath(new URL(`./fixtures/sdk-v2-shape/${name}`, import.meta.url));

/** Region and credentials from the process, as Lambda gives them (its reserved variables are not per function). */
function useLocalAwsProcessEnv(): void {
  for (const [name, value] of Object.entries(LOCAL_AWS_ENV)) {
    const previous = process.env[name];
    process.env[name] ??= value;
    onTestFinished(() => {
      if (previous === undefined) delete process.env[name];
    });
  }
}
const run = promisify(execFile);

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-tls-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function secureOf(gateway: LocalGateway): NonNullable<LocalGateway['secure']> {
  if (!gateway.secure) throw new Error('gateway started without tls');
  return gateway.secure;
}

/** GET over https with an explicit CA (not the in-process trust): status and body. */
function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpsRequest(url, { ca }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('TLS on the same port', () => {
  it('serves wss:// and https:// beside ws:// and http://, with a certificate from the generated CA', async () => {
    const gateway = await startTestGateway({ routes: { $default: (event) => ({ statusCode: 200, body: `echo ${event.body ?? ''}` }) }, routeResponses: ['$default'], tls: { dir: tempDir() } });
    const secure = secureOf(gateway);
    expect(secure.url).toBe(`wss://127.0.0.1:${gateway.port}`);

    const overTls = await openClient(secure.url);
    const overTlsId = onlyConnectionId(gateway);
    const plain = await openClient(gateway.url);
    overTls.socket.send('over tls');
    plain.socket.send('plain');
    expect([await overTls.nextMessage(), await plain.nextMessage()]).toEqual(['echo over tls', 'echo plain']);

    // The management API and the 426 answer over https too, verified against the CA file alone.
    const ca = readFileSync(secure.caPath, 'utf8');
    expect((await httpsGet(`https://127.0.0.1:${gateway.port}/local`, ca)).status).toBe(426);
    const api = managementClient(secure.callbackUrl);
    await api.send(new PostToConnectionCommand({ ConnectionId: overTlsId, Data: 'pushed over https' }));
    expect(await overTls.nextMessage()).toBe('pushed over https');
    expect((await rawRequest(gateway, 'GET', '/')).status).toBe(426); // plain HTTP still answers on the port

    const cert = new X509Certificate(readFileSync(join(secure.caPath, '..', 'server.pem')));
    expect(cert.checkIssued(new X509Certificate(ca))).toBe(true);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
  });

  it('lets an outside client trust it with NODE_EXTRA_CA_CERTS, and only then', async () => {
    const gateway = await startTestGateway({ routes: {}, tls: { dir: tempDir() } });
    const secure = secureOf(gateway);
    const script = join(tempDir(), 'connect.mjs');
    writeFileSync(
      script,
      `import WebSocket from ${JSON.stringify(join(ROOT, 'node_modules/ws/wrapper.mjs'))};\n` +
        `const ws = new WebSocket(process.argv[2]);\n` +
        `ws.on('open', () => { console.log('open'); ws.close(); });\n` +
        `ws.on('error', (error) => { console.log(error.code ?? error.message); process.exitCode = 1; });\n`,
    );
    const attempt = async (env: NodeJS.ProcessEnv) => {
      try {
        return (await run(process.execPath, [script, secure.url], { env })).stdout.trim();
      } catch (error) {
        return error instanceof Error && 'stdout' in error ? String(error.stdout).trim() : String(error);
      }
    };
    const { NODE_EXTRA_CA_CERTS: _unset, ...baseEnv } = process.env;
    expect(await attempt(baseEnv)).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify/i);
    expect(await attempt({ ...baseEnv, NODE_EXTRA_CA_CERTS: secure.caPath })).toBe('open');
  });

  it('makes the CA and certificate once, reuses them, and renews only a server certificate that is no longer valid', async () => {
    const dir = tempDir();
    const first = secureOf(await startTestGateway({ routes: {}, tls: { dir } }));
    const files = () => ['ca.pem', 'ca-key.pem', 'server.pem', 'server-key.pem'].map((name) => readFileSync(join(dir, name), 'utf8'));
    const made = files();
    const second = secureOf(await startTestGateway({ routes: {}, tls: { dir } }));
    expect(files()).toEqual(made);
    expect(second.caPem).toBe(first.caPem);

    writeFileSync(join(dir, 'server.pem'), 'not a certificate');
    const third = await startTestGateway({ routes: {}, tls: { dir } });
    const [ca, caKey, server] = files();
    expect([ca, caKey]).toEqual(made.slice(0, 2)); // clients that trust the CA keep trusting it
    expect(server).not.toBe(made[2]);
    await openClient(secureOf(third).url);
  });
});

describe('a handler calling back over https', () => {
  it('broadcasts with the SDK v3 client at https://${domainName}/${stage} and deletes a connection that is Gone', async () => {
    const { endpoint: dynamoEndpoint, storedIds } = await sampleConnectionsTable('tls-connections');

    // Each function gets its table and endpoint from its own environment, as a deployed stack sets them;
    // region and credentials are the process's (Lambda's reserved variables cannot be set per function).
    useLocalAwsProcessEnv();
    const environment = { TABLE_NAME: 'tls-connections', AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint };
    const gateway = await startTestGateway({
      routes: {
        $connect: { module: fixture('connect.ts'), environment },
        $disconnect: { module: fixture('disconnect.ts'), environment },
        sendmessage: { module: fixture('broadcast.ts'), environment },
      },
      routeResponses: ['sendmessage'],
      tls: { dir: tempDir() },
    });
    const secure = secureOf(gateway);
    expect(process.env.TABLE_NAME).toBeUndefined(); // the functions' variables stay theirs

    const alice = await openClient(secure.url);
    const bob = await openClient(secure.url);
    const before = new Set(gateway.connectionIds());
    const carol = await openClient(gateway.url); // plain ws://: the handlers reach it all the same
    const carolId = gateway.connectionIds().find((id) => !before.has(id)) ?? '';
    expect(await storedIds()).toEqual([...gateway.connectionIds()].sort());

    alice.socket.send(JSON.stringify({ action: 'sendmessage', data: 'hello over https' }));
    expect(await Promise.all([alice, bob, carol].map((client) => client.nextMessage()))).toEqual(['hello over https', 'hello over https', 'hello over https']);
    expect(await alice.nextMessage()).toBe('sent, 0 gone');

    // Carol is lost without $disconnect: her row stays until a post to her answers 410.
    gateway.dropConnection(carolId);
    await carol.whenClosed();
    bob.socket.send(JSON.stringify({ action: 'sendmessage', data: 'still here?' }));
    expect([await alice.nextMessage(), await bob.nextMessage()]).toEqual(['still here?', 'still here?']);
    expect(await bob.nextMessage()).toBe('sent, 1 gone');
    expect(await storedIds()).toEqual([...gateway.connectionIds()].sort());
    expect(await storedIds()).not.toContain(carolId);
  });

  it('runs SDK v2-shaped handlers (service-object clients, https:// endpoint): $connect posts to the others, broadcast, 410 cleanup, disconnect', async () => {
    const { endpoint: dynamoEndpoint, storedIds } = await sampleConnectionsTable('v2-connections');
    useLocalAwsProcessEnv();
    const environment = { TABLE_NAME: 'v2-connections', AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint };
    const gateway = await startTestGateway({
      routes: {
        $connect: { module: v2Fixture('connect.mjs'), environment },
        $disconnect: { module: v2Fixture('ondisconnect.mjs'), environment },
        sendmessage: { module: v2Fixture('sendmessage.mjs'), environment },
      },
      routeResponses: ['sendmessage'],
      tls: { dir: tempDir() },
    });
    const secure = secureOf(gateway);

    const alice = await openClient(secure.url);
    const aliceId = onlyConnectionId(gateway);
    const bob = await openClient(secure.url);
    const bobId = gateway.connectionIds().find((id) => id !== aliceId) ?? '';
    // Bob's $connect told Alice, through the management API, before his handshake completed.
    expect(await alice.nextMessage()).toBe(`joined ${bobId}`);

    alice.socket.send(JSON.stringify({ action: 'sendmessage', data: 'hi from v2' }));
    expect([await alice.nextMessage(), await bob.nextMessage()]).toEqual(['hi from v2', 'hi from v2']);
    expect(await alice.nextMessage()).toBe('sent, 0 gone');

    // Bob vanishes without $disconnect: the next broadcast's 410 removes his row.
    gateway.dropConnection(bobId);
    await bob.whenClosed();
    alice.socket.send(JSON.stringify({ action: 'sendmessage', data: 'anyone?' }));
    expect([await alice.nextMessage(), await alice.nextMessage()]).toEqual(['anyone?', 'sent, 1 gone']);
    expect(await storedIds()).toEqual([aliceId]);

    // A clean close runs $disconnect, which forgets Alice.
    await alice.close();
    await waitUntil(async () => (await storedIds()).length === 0);
  });

  it('reaches the gateway from a handler that hard-codes https://${apiId}.execute-api.${region}.amazonaws.com/${stage}', async () => {
    useLocalAwsProcessEnv();
    const gateway = await startTestGateway({ routes: { $default: { module: fixture('aws-host-echo.mjs') } }, tls: { dir: tempDir() } });
    const client = await openClient(gateway.url);

    client.socket.send('hello AWS host');
    expect(await client.nextMessage()).toBe('echo: hello AWS host');
  });
});
