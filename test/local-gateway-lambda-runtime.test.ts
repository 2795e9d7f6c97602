// Handlers are called the way the Lambda Node.js runtime calls them, and each route is its own
// function: its own `this` (the runtime's object), its own module instance, its own environment.
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openClient, startTestGateway } from './support/gateway.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/lambda-runtime/${name}`, import.meta.url));

describe('how handlers are called', () => {
  it('runs a class method exported bound to its instance (the Powertools pattern)', async () => {
    const gateway = await startTestGateway({ routes: { $default: { module: fixture('class-handler.ts') } }, routeResponses: ['$default'] });
    const client = await openClient(gateway.url);
    client.socket.send('hi');
    expect(await client.nextMessage()).toBe('echo:hi');
  });

  it('fails an unbound class method as AWS does: `this` is the runtime\'s object, so this.helper is not a function', async () => {
    const lines: string[] = [];
    const gateway = await startTestGateway({
      routes: { $default: { module: fixture('class-handler.ts'), export: 'unboundHandler' } },
      routeResponses: ['$default'],
      log: (line) => lines.push(line),
    });
    const client = await openClient(gateway.url);
    client.socket.send('hi');
    expect(JSON.parse(await client.nextMessage())).toMatchObject({ message: 'Internal server error' });
    // Not "Cannot read properties of undefined": the Lambda runtime calls `this.handler(event, context, callback)`.
    expect(lines.join('\n')).toMatch(/TypeError: this\.reply is not a function/);
  });

  it('calls the export as a method of one runtime object per function, which lasts across invocations', async () => {
    const gateway = await startTestGateway({
      routes: { $default: { module: fixture('class-handler.ts'), export: 'thisProbe' }, other: { module: fixture('class-handler.ts'), export: 'thisProbe' } },
      routeResponses: ['$default', 'other'],
    });
    const client = await openClient(gateway.url);
    const reply = async (frame: string) => {
      client.socket.send(frame);
      return client.nextMessage();
    };
    expect(await reply('a')).toBe('this:object:true:1');
    expect(await reply('b')).toBe('this:object:true:2');
    expect(await reply('{"action":"other"}')).toBe('this:object:true:1'); // another function, another runtime
  });

  it('calls in-process handler functions the same way', async () => {
    const gateway = await startTestGateway({
      routes: {
        $default: function (this: unknown) {
          return { statusCode: 200, body: typeof this };
        },
      },
      routeResponses: ['$default'],
    });
    const client = await openClient(gateway.url);
    client.socket.send('x');
    expect(await client.nextMessage()).toBe('object');
  });
});

describe('each route is its own function', () => {
  it('gets its own module instance, even from the same file and export', async () => {
    const gateway = await startTestGateway({
      routes: { first: { module: fixture('counter.mjs') }, second: { module: fixture('counter.mjs') } },
      routeResponses: ['first', 'second'],
    });
    const client = await openClient(gateway.url);
    const send = async (action: string) => {
      client.socket.send(JSON.stringify({ action }));
      return JSON.parse(await client.nextMessage()) as { route: string; invocations: number; loadedAt: string };
    };
    const [a1, a2, b1, a3] = [await send('first'), await send('first'), await send('second'), await send('first')];
    expect([a1, a2, b1, a3].map(({ route, invocations }) => `${route}:${invocations}`)).toEqual(['first:1', 'first:2', 'second:1', 'first:3']);
    expect(a1.loadedAt).toBe(a3.loadedAt);
    expect(b1.loadedAt).not.toBe(a1.loadedAt);
  });

  it('gets its own environment variables, at load and after awaits, and keeps its writes to itself', async () => {
    const before = { ...process.env };
    process.env.DELAY_MS = '20';
    onTestFinished(() => {
      delete process.env.DELAY_MS;
    });
    const gateway = await startTestGateway({
      routes: {
        hello: { module: fixture('environment.mjs'), environment: { GREETING: 'hello' } },
        bonjour: { module: fixture('environment.mjs'), environment: { GREETING: 'bonjour', DELAY_MS: '0' } },
        plain: { module: fixture('environment.mjs') },
      },
      routeResponses: ['hello', 'bonjour', 'plain'],
    });
    const client = await openClient(gateway.url);
    // Sent together, so the invocations overlap: each still sees only its own variables.
    client.socket.send('{"action":"hello"}');
    client.socket.send('{"action":"bonjour"}');
    client.socket.send('{"action":"plain"}');
    const replies = [await client.nextMessage(), await client.nextMessage(), await client.nextMessage()].map((text) => JSON.parse(text) as Record<string, unknown>);
    const byGreeting = new Map(replies.map((reply) => [reply.now, reply]));

    expect(byGreeting.get('hello')).toEqual({ atLoad: 'hello', now: 'hello', lastMessage: '{"action":"hello"}', listed: true });
    expect(byGreeting.get('bonjour')).toEqual({ atLoad: 'bonjour', now: 'bonjour', lastMessage: '{"action":"bonjour"}', listed: true });
    // A function without `environment` shares the process's, as before (and so sees the plain route's own write).
    expect(byGreeting.get(null)).toEqual({ atLoad: null, now: null, lastMessage: '{"action":"plain"}', listed: false });
    expect(process.env.GREETING).toBeUndefined();
    delete process.env.LAST_MESSAGE;
    expect(Object.keys(process.env).sort()).toEqual(Object.keys({ ...before, DELAY_MS: '' }).sort());
  });

  it('puts process.env back once the last gateway with per-function environments closes', async () => {
    const real = process.env;
    const gateway = await startTestGateway({ routes: { $default: { handler: () => ({ statusCode: 200 }), environment: { A_NAME: 'x' } } } });
    expect(process.env).not.toBe(real);
    await gateway.close();
    expect(process.env).toBe(real);
  });

  it('checks environments at start-up against Lambda\'s rules', async () => {
    const start = (environment: Record<string, string>) => startTestGateway({ routes: { $default: { module: fixture('counter.mjs'), environment } } });
    await expect(start({ '1ABC': 'x' })).rejects.toThrow(/route \$default: environment: invalid variable name "1ABC"/);
    await expect(start({ AWS_REGION: 'x' })).rejects.toThrow(/AWS_REGION is reserved/);
    await expect(start({ BIG: 'x'.repeat(5000) })).rejects.toThrow(/more than Lambda's 4 KB/);
  });
});
