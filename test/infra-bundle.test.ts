// What `npm run synth` ships: every handler bundled by the local esbuild (no Docker) into one small ESM
// file plus its source map and the confusables table it reads, nothing else; that their stack traces are
// mapped to the sources as the stack configures them; and the bundles themselves work: the chat runs end to end on
// them (real ws clients → local gateway → bundled handlers → dynalite). Sizes are printed and written to
// test-results/bundle-sizes.json for the benchmark to track.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetContainer } from '../functions/container.ts';
import { CONFUSABLES_FILE } from '../functions/core/confusables.ts';
import { SETTINGS } from '../functions/settings.ts';
import { BUNDLE_ENV, PROJECT_ROOT } from '../infra/bundling.ts';
import { CONNECT_AUTHORIZER, LATER_CONSUMER, ROUTE_HANDLERS, SCHEDULED_ANNOUNCE } from '../infra/handlers.ts';
import { testApp } from '../infra/testing.ts';
import { withLocalAwsEnv } from '../local/aws-env.ts';
import { ensureTable, startDynalite, type Emulator } from '../local/dynamodb.ts';
import { startLocalGateway, type LocalGateway } from '../local/gateway/index.ts';
import { ChatClient } from './support/client.ts';
import { SqsStandIn } from './support/sqs.ts';
import { waitUntil } from './support/wait.ts';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

/** Budgets with room to grow, low enough that an accidental dependency (or a lost tree shake) fails. */
const BUNDLE_BUDGET_BYTES = 600 * 1024;
const SOURCE_MAP_BUDGET_BYTES = 1200 * 1024;

interface Bundle {
  name: string;
  entry: string;
  dir: string;
  codeBytes: number;
  mapBytes: number;
  files: string[];
}

const outdir = mkdtempSync(join(tmpdir(), 'wschat-bundle-'));
let bundles: Bundle[] = [];

beforeAll(() => {
  // With sign-in, so that the authorizer is bundled too.
  const { stack } = testApp({ bundling: true, outdir, context: { connectAuth: 'jwt', jwtIssuer: 'https://issuer.example', jwtAudience: 'wschat' } });
  const template = Template.fromStack(stack); // synthesizes: esbuild runs here
  const functions = template.findResources('AWS::Lambda::Function') as Record<string, { Properties: { Code: { S3Key: unknown } } }>;
  const specs = [
    ...ROUTE_HANDLERS.map((r) => ({ name: r.routeKey, id: r.id, entry: r.entry })),
    { name: 'scheduled', id: 'AnnounceFunction', entry: SCHEDULED_ANNOUNCE.entry },
    { name: 'later', id: `${LATER_CONSUMER.id}Handler`, entry: LATER_CONSUMER.entry },
    { name: 'authorizer', id: 'SignInFunction', entry: CONNECT_AUTHORIZER.entry },
  ];
  bundles = specs.map(({ name, id, entry }) => {
    const [, fn] = Object.entries(functions).find(([logicalId]) => logicalId.startsWith(id)) ?? [];
    if (!fn) throw new Error(`no function for ${id}`);
    // The asset is staged as asset.<hash>/ and uploaded as <hash>.zip.
    const hash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
    const dir = join(outdir, `asset.${hash}`);
    const size = (file: string) => statSync(join(dir, file)).size;
    return { name, entry, dir, codeBytes: size('index.mjs'), mapBytes: size('index.mjs.map'), files: readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort() };
  });

  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`.padStart(11);
  console.log(
    ['bundled handlers (index.mjs, index.mjs.map):', ...bundles.map((b) => `  ${b.name.padEnd(12)} ${kib(b.codeBytes)} ${kib(b.mapBytes)}  ${b.entry}`)].join('\n'),
  );
  const results = join(PROJECT_ROOT, 'test-results');
  mkdirSync(results, { recursive: true });
  writeFileSync(
    join(results, 'bundle-sizes.json'),
    `${JSON.stringify(Object.fromEntries(bundles.map((b) => [b.name, { entry: b.entry, codeBytes: b.codeBytes, mapBytes: b.mapBytes }])), null, 2)}\n`,
  );
}, 180_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('bundled handlers', () => {
  it('are one minified ESM file and its source map each, under budget, with the confusables table beside them', () => {
    expect(bundles).toHaveLength(ROUTE_HANDLERS.length + 3);
    for (const bundle of bundles) {
      expect(bundle.files, bundle.name).toEqual(['index.mjs', 'index.mjs.map', 'node_modules', 'node_modules/unhomoglyph', `node_modules/${CONFUSABLES_FILE}`]);
      expect(readFileSync(join(bundle.dir, 'node_modules', CONFUSABLES_FILE), 'utf8'), bundle.name).toBe(readFileSync(require.resolve(CONFUSABLES_FILE), 'utf8'));
      expect(bundle.codeBytes, bundle.name).toBeLessThan(BUNDLE_BUDGET_BYTES);
      expect(bundle.mapBytes, bundle.name).toBeLessThan(SOURCE_MAP_BUDGET_BYTES);
      const code = readFileSync(join(bundle.dir, 'index.mjs'), 'utf8');
      // Minified: very long lines (only template literals keep their line breaks), not one per statement.
      expect(code.length / code.split('\n').length, bundle.name).toBeGreaterThan(2000);
      expect(code, bundle.name).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      // UTF-8, as infra/bundling.ts asks: the look-alike additions as characters, not \u escapes.
      if (bundle.name !== 'authorizer') expect(code, bundle.name).toContain('ſt');
      // The confusables table is read from the file beside the bundle, not carried in it.
      expect(code, bundle.name).not.toContain('ᴀ');
      // esbuild's shim for a CommonJS require() in an ESM bundle throws at run time ("Dynamic require of
      // ... is not supported"); see the note in infra/bundling.ts for the fix if this ever fires.
      expect(code, bundle.name).not.toContain('Dynamic require of');
      // The AWS SDK is inside (bundleAwsSDK), not left to the runtime: no import of an @aws-sdk package.
      expect(code, bundle.name).not.toMatch(/from\s*"@aws-sdk\//);
      // Source maps carry mappings only (sourcesContent off), and point at the TypeScript sources.
      const map = JSON.parse(readFileSync(join(bundle.dir, 'index.mjs.map'), 'utf8')) as { sources: string[]; sourcesContent?: unknown };
      expect(map.sourcesContent, bundle.name).toBeUndefined();
      expect(map.sources.some((source) => source.endsWith(bundle.entry)), bundle.name).toBe(true);
    }
  });
});

/** The bundled file of a handler, as a local gateway route target. */
function bundleOf(name: string): { module: string } {
  const bundle = bundles.find((b) => b.name === name);
  if (!bundle) throw new Error(`no bundle for ${name}`);
  return { module: join(bundle.dir, 'index.mjs') };
}

/**
 * A fresh node that imports `module` and invokes its handler with `event` twice, under `env` alone: the
 * first failure's stack, whether the second's was the same (the container is not cached after a failed
 * build, so it installs the mapping again), and, after that, the first line of console.trace's stack (a
 * plain object given to Error.captureStackTrace) and of a node error with a code.
 */
async function stackOfFailedInvocation(module: string, event: unknown, env: Record<string, string>): Promise<string> {
  const child = `
    const { handler } = await import(process.env.BUNDLE_URL);
    const fail = async () => {
      try { await handler(JSON.parse(process.env.EVENT), { getRemainingTimeInMillis: () => 1000 }); return 'NO ERROR'; }
      catch (error) { return error.stack; }
    };
    const first = await fail();
    const again = await fail();
    const trace = { name: 'Trace', message: 'hello' };
    Error.captureStackTrace(trace);
    let coded = '';
    try { Buffer.alloc(-1); } catch (error) { coded = error.stack.split('\\n')[0]; }
    const bundled = (stack) => stack.split('\\n').filter((line) => !line.includes('[eval')).join('\\n');
    console.log([first, 'SAME AGAIN: ' + (bundled(first) === bundled(again)), 'TRACE: ' + trace.stack.split('\\n')[0], 'CODED: ' + coded].join('\\n'));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', child], {
    env: { PATH: process.env.PATH ?? '', ...env, BUNDLE_URL: pathToFileURL(module).href, EVENT: JSON.stringify(event) },
  });
  return stdout;
}

describe('stack traces of the bundled handlers', () => {
  const message = { requestContext: { routeKey: 'message', connectionId: 'stack=' } };
  // What the stack sets for every handler (BUNDLE_ENV), and no TABLE_NAME: the container's build fails.
  const mapped = { [SETTINGS.sourceMappedStacks.env]: 'true' };

  it('point at the TypeScript sources, with their function names, when the stack sets SOURCE_MAPPED_STACKS', async () => {
    expect(BUNDLE_ENV).toEqual(mapped);
    const stack = await stackOfFailedInvocation(bundleOf('message').module, message, mapped);
    expect(stack).toMatch(/^SettingError: TABLE_NAME is not set/);
    expect(stack).toMatch(/at parseSetting \(functions\/settings\.ts:\d+:\d+\)/);
    expect(stack).toMatch(/at buildChat \(functions\/container\.ts:\d+:\d+\)/);
    expect(stack).not.toMatch(/index\.mjs:\d+/);
    // Installed again by the second failed build: the same frames in the bundle. Headers as node writes them.
    expect(stack).toContain('SAME AGAIN: true');
    expect(stack).toContain('TRACE: Trace: hello');
    expect(stack).toMatch(/CODED: RangeError \[ERR_OUT_OF_RANGE\]: /);
  });

  it("leave the mapping to node where node maps stacks itself (--enable-source-maps)", async () => {
    const stack = await stackOfFailedInvocation(bundleOf('message').module, message, { ...mapped, NODE_OPTIONS: '--enable-source-maps' });
    // Node's own format: the source resolved to an absolute path, where this project's is relative.
    expect(stack).toMatch(/at parseSetting \(\/[^)]*functions\/settings\.ts:\d+:\d+\)/);
  });

  it('do so for the authorizer too', async () => {
    const stack = await stackOfFailedInvocation(bundleOf('authorizer').module, {}, { ...mapped, CONNECT_AUTH: 'jwt' });
    expect(stack).toMatch(/^SettingError: JWT_ISSUER is not set/);
    expect(stack).toMatch(/\(functions\/authorizer-container\.ts:\d+:\d+\)/);
    expect(stack).not.toMatch(/index\.mjs:\d+/);
  });

  it('stay at the bundle positions without the setting, or without a readable map (and the error is intact)', async () => {
    const plain = await stackOfFailedInvocation(bundleOf('message').module, message, {});
    expect(plain).toMatch(/^SettingError: TABLE_NAME is not set/);
    expect(plain).toMatch(/index\.mjs:\d+:\d+/);
    expect(plain).not.toMatch(/functions\/settings\.ts/);

    const bare = mkdtempSync(join(tmpdir(), 'wschat-no-map-'));
    try {
      copyFileSync(bundleOf('message').module, join(bare, 'index.mjs'));
      const unmapped = await stackOfFailedInvocation(join(bare, 'index.mjs'), message, mapped);
      expect(unmapped).toMatch(/^SettingError: TABLE_NAME is not set/);
      expect(unmapped).toMatch(/index\.mjs:\d+:\d+/);
      writeFileSync(join(bare, 'index.mjs.map'), '{"version": 3, "mappings": 7}');
      const malformed = await stackOfFailedInvocation(join(bare, 'index.mjs'), message, mapped);
      expect(malformed).toMatch(/^SettingError: TABLE_NAME is not set/);
      expect(malformed).toMatch(/index\.mjs:\d+:\d+/);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});

describe('the bundled authorizer', () => {
  it('loads, and refuses a handshake without a token as API Gateway expects (Unauthorized → 401)', async () => {
    Object.assign(process.env, { CONNECT_AUTH: 'jwt', JWT_ISSUER: 'https://issuer.example', JWT_AUDIENCE: 'wschat' });
    const module = (await import(pathToFileURL(bundleOf('authorizer').module).href)) as { handler?: (event: unknown) => Promise<unknown> };
    if (typeof module.handler !== 'function') throw new Error('the authorizer bundle exports no handler');
    await expect(module.handler({ type: 'REQUEST', methodArn: 'arn:aws:execute-api:local:000000000000:api/stage/$connect', headers: {}, queryStringParameters: {} })).rejects.toThrow(/^Unauthorized$/);
  });
});

describe('the chat on the bundled handlers', () => {
  let emulator: Emulator;
  let gateway: LocalGateway;
  let sqs: SqsStandIn;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    emulator = await startDynalite();
    await ensureTable(emulator.endpoint, 'wschat-bundled');
    gateway = await startLocalGateway({
      port: 0,
      stage: 'bundled',
      routes: Object.fromEntries(ROUTE_HANDLERS.map((route) => [route.routeKey, bundleOf(route.routeKey)])),
    });
    // What the stack sets, read by each bundle on its first invocation (each has its own container).
    withLocalAwsEnv();
    sqs = await SqsStandIn.start(); // the deferred-work queue, as the stack sets it
    Object.assign(process.env, {
      TABLE_NAME: 'wschat-bundled',
      DYNAMODB_ENDPOINT: emulator.endpoint,
      CALLBACK_URL: gateway.callbackUrl,
      LATER_QUEUE_URL: sqs.queueUrl,
    });
    // Load (cold-start) every bundle now, not inside the first event's 5 s wait; the gateway's own import
    // of the same file then finds it loaded. Each also shows it exports a handler.
    for (const name of [...ROUTE_HANDLERS.map((route) => route.routeKey), 'scheduled', 'later']) {
      const module = (await import(pathToFileURL(bundleOf(name).module).href)) as { handler?: unknown };
      expect(typeof module.handler, name).toBe('function');
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await gateway?.close();
    await sqs?.close();
    await emulator?.close();
    resetContainer();
  });

  it('logs in, broadcasts, sends privately, lists, pushes the scheduled notice, defers a leave to the queue and announces it', async () => {
    const alice = await ChatClient.connect(gateway.url, { nickname: 'alice' }); // $connect with a login
    clients.push(alice);
    const bob = await ChatClient.login(gateway.url, 'bob'); // $default
    clients.push(bob);
    await alice.waitFor((e) => e.type === 'system' && e.text === 'bob joined', '"bob joined"');

    bob.sendMessage('hello from the bundle'); // message route
    expect((await alice.next('message')).text).toBe('hello from the bundle');
    alice.send('@bob psst');
    expect((await bob.next('private')).text).toBe('psst');
    bob.send('/ls');
    expect((await bob.next('users')).users).toEqual(['alice', 'bob']);

    // The scheduled push, invoked as EventBridge would (no client event; CALLBACK_URL from the stack).
    const scheduled = (await import(pathToFileURL(bundleOf('scheduled').module).href)) as { handler: () => Promise<unknown> };
    await scheduled.handler();
    await alice.waitFor((e) => e.type === 'system' && e.text === '2 users online', '"2 users online"');

    await alice.close(); // $disconnect: the leave waits out the resume grace in the queue (signed SendMessage)
    await gateway.whenIdle();
    await waitUntil(() => sqs.messages.length > 0);
    const later = (await import(pathToFileURL(bundleOf('later').module).href)) as { handler: (event: unknown) => Promise<unknown> };
    expect(await later.handler(sqs.takeEvent())).toEqual({ batchItemFailures: [] });
    await bob.waitFor((e) => e.type === 'system' && e.text === 'alice left', '"alice left"');
  });
});
