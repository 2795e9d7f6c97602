// The gateway's static files (the browser client on the chat's own port): content types, HEAD, 404s,
// and no way out of the directory — by `..`, encoded `..`, backslashes, hidden files or symlinks.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlyConnectionId, openClient, rawRequest, startTestGateway } from './support/gateway.ts';

const SECRET = 'outside the static root';
let base: string;
let root: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'wschat-static-'));
  root = join(base, 'site');
  await mkdir(join(root, 'docs'), { recursive: true });
  await writeFile(join(base, 'secret.txt'), SECRET);
  await writeFile(join(root, 'index.html'), '<!doctype html><title>home</title>');
  await writeFile(join(root, 'app.js'), 'export const x = 1;');
  await writeFile(join(root, 'style.css'), 'body{}');
  await writeFile(join(root, 'data.bin'), Buffer.from([1, 2, 3]));
  await writeFile(join(root, 'docs', 'index.html'), 'docs');
  await writeFile(join(root, 'with space.txt'), 'spaced');
  await writeFile(join(root, '.env'), 'SECRET=1');
  await symlink(join(base, 'secret.txt'), join(root, 'link-out.txt'));
  await symlink(base, join(root, 'dir-out'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const staticGateway = () => startTestGateway({ routes: {}, staticDir: root });

describe('static files', () => {
  it('serves the index at / and files with their content types', async () => {
    const gateway = await staticGateway();
    const index = await rawRequest(gateway, 'GET', '/');
    expect(index).toMatchObject({ status: 200, body: '<!doctype html><title>home</title>' });
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['x-content-type-options']).toBe('nosniff');

    const types = await Promise.all(
      ['/index.html?v=2', '/app.js', '/style.css', '/data.bin', '/with%20space.txt'].map(async (path) => (await rawRequest(gateway, 'GET', path)).headers['content-type']),
    );
    expect(types).toEqual([
      'text/html; charset=utf-8',
      'text/javascript; charset=utf-8',
      'text/css; charset=utf-8',
      'application/octet-stream',
      'text/plain; charset=utf-8',
    ]);
  });

  it('answers HEAD with the headers and no body', async () => {
    const gateway = await staticGateway();
    const head = await rawRequest(gateway, 'HEAD', '/app.js');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String('export const x = 1;'.length));
    expect(head.body).toBe('');
  });

  it('serves a directory index under a trailing slash and redirects to it without one', async () => {
    const gateway = await staticGateway();
    expect(await rawRequest(gateway, 'GET', '/docs/')).toMatchObject({ status: 200, body: 'docs' });
    const redirect = await rawRequest(gateway, 'GET', '/docs?x=1');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/docs/');
  });

  it('answers 404 for missing files', async () => {
    const gateway = await staticGateway();
    expect((await rawRequest(gateway, 'GET', '/nope.js')).status).toBe(404);
    expect((await rawRequest(gateway, 'GET', '/app.js/')).status).toBe(404);
  });

  it('never serves anything outside the directory, nor hidden files', async () => {
    const gateway = await staticGateway();
    const attempts = [
      '/../secret.txt',
      '/docs/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/docs/%2e%2e/%2e%2e/secret.txt',
      '/..%5csecret.txt',
      '/%5c..%5csecret.txt',
      `/${encodeURIComponent(join(base, 'secret.txt'))}`,
      '//secret.txt',
      '/link-out.txt',
      '/dir-out/secret.txt',
      '/.env',
      '/%2eenv',
      '/%00secret.txt',
      '/%E0%A4%A',
    ];
    const responses = await Promise.all(attempts.map((path) => rawRequest(gateway, 'GET', path)));
    for (const [i, response] of responses.entries()) {
      expect({ path: attempts[i], body: response.body.includes(SECRET) || response.body.includes('SECRET=1') }).toEqual({ path: attempts[i], body: false });
      expect([400, 404]).toContain(response.status);
    }
  });

  it('leaves WebSocket upgrades and the @connections API to the gateway', async () => {
    const gateway = await staticGateway();
    await openClient(gateway.url);
    const id = encodeURIComponent(onlyConnectionId(gateway));
    const described = await rawRequest(gateway, 'GET', `/local/@connections/${id}`);
    expect(described.status).toBe(200);
    expect(JSON.parse(described.body)).toHaveProperty('connectedAt');
    expect((await rawRequest(gateway, 'GET', '/@connections/R1kmxc2VNjMCFIA%3D')).headers['x-amzn-errortype']).toBe('GoneException');
    expect((await rawRequest(gateway, 'GET', '/local/%40connections/R1kmxc2VNjMCFIA=')).headers['x-amzn-errortype']).toBe('GoneException');
    expect((await rawRequest(gateway, 'GET', '/@connections/nobody')).headers['x-amzn-errortype']).toBe('BadRequestException');
    // Methods other than GET and HEAD are not file requests: the API answers as API Gateway does.
    const post = await rawRequest(gateway, 'POST', '/index.html');
    expect(post.status).toBe(403);
    expect(post.headers['x-amzn-errortype']).toBe('ForbiddenException');
  });

  it('is off unless a directory is given: / is then only the WebSocket URL (426 to a plain GET)', async () => {
    const gateway = await startTestGateway({ routes: {} });
    expect((await rawRequest(gateway, 'GET', '/')).status).toBe(426);
    const other = await rawRequest(gateway, 'GET', '/index.html');
    expect(other.status).toBe(403);
    expect(other.body).toBe('{"message":"Missing Authentication Token"}');
  });

  it('serves a file at a WebSocket path when there is one, and answers 426 where there is none', async () => {
    const gateway = await staticGateway();
    // The browser client at /: a file wins over the 426 (a browser asking for the page is no WebSocket client).
    expect(await rawRequest(gateway, 'GET', '/')).toMatchObject({ status: 200, body: '<!doctype html><title>home</title>' });
    // The stage path has no file behind it: a plain GET there is what AWS answers 426 to.
    const stage = await rawRequest(gateway, 'GET', '/local');
    expect({ status: stage.status, upgrade: stage.headers.upgrade }).toEqual({ status: 426, upgrade: 'websocket' });
    expect((await rawRequest(gateway, 'GET', '/local/')).status).toBe(426);
    expect((await rawRequest(gateway, 'GET', '/nope.js')).status).toBe(404);
    await openClient(gateway.url); // and the same URL still upgrades
  });
});
