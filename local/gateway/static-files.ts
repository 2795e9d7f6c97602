// Static files (the browser client) on the gateway's own port, so one local URL serves the page and the
// WebSocket it talks to. Only plain GET/HEAD requests outside the @connections API are served here;
// everything else falls through to the management API, which answers as API Gateway does.
import { createReadStream, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';

// A Map: the extension comes from the request path.
const CONTENT_TYPES: ReadonlyMap<string, string> = new Map(Object.entries({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
}));

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES.get(extname(file).toLowerCase()) ?? 'application/octet-stream';
}

/**
 * A request handler serving files under `root`; it returns false (and writes nothing) for requests it
 * does not take: other methods, WebSocket upgrades, @connections paths.
 */
export type StaticFiles = (req: IncomingMessage, res: ServerResponse, notFound?: (res: ServerResponse) => void) => boolean;

/**
 * `notFound` answers when no file is there (default 404): the gateway passes a 426 for the WebSocket
 * paths, so a GET that finds no file there gets what API Gateway answers a plain GET with.
 */
export function createStaticFiles(root: string): StaticFiles {
  const rootDir = resolve(root);
  // The root's real path, resolved once, so a symlink inside it cannot lead out of it.
  let realRoot: Promise<string> | undefined;

  return (req, res, notFound = sendNotFound) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (req.headers.upgrade) return false;
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
    if (/@connections|%40connections/i.test(rawPath)) return false;

    realRoot ??= realpath(rootDir).catch(() => rootDir); // a missing root just serves 404s
    void serve(rawPath, req.method === 'HEAD', res, rootDir, realRoot, notFound).catch(() => {
      if (!res.headersSent) sendText(res, 500, 'Internal Server Error');
      else res.destroy();
    });
    return true;
  };
}

async function serve(
  rawPath: string,
  headOnly: boolean,
  res: ServerResponse,
  rootDir: string,
  realRoot: Promise<string>,
  notFound: (res: ServerResponse) => void,
): Promise<void> {
  const urlPath = decodePath(rawPath);
  if (urlPath === undefined) return sendText(res, 400, 'Bad Request');
  // Hidden files (.git, .env…) and anything resolving outside the root are not there, as far as clients know.
  const segments = urlPath.split('/').filter(Boolean);
  if (segments.some((segment) => segment.startsWith('.'))) return sendText(res, 404, 'Not Found');

  let file = resolve(rootDir, ...segments);
  if (!isInside(rootDir, file)) return sendText(res, 404, 'Not Found');
  let info = await statOrNull(file);
  if (info?.isDirectory()) {
    // Relative URLs in the index only work under a trailing slash.
    if (!urlPath.endsWith('/')) return redirect(res, `/${segments.map(encodeURIComponent).join('/')}/`);
    file = join(file, 'index.html');
    info = await statOrNull(file);
  } else if (urlPath.endsWith('/')) {
    return notFound(res); // a file is not a directory
  }
  if (!info?.isFile()) return notFound(res);
  if (!isInside(await realRoot, await realpath(file))) return sendText(res, 404, 'Not Found');

  res.writeHead(200, {
    'Content-Type': contentTypeOf(file),
    'Content-Length': info.size,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  if (headOnly) return void res.end();
  await new Promise<void>((done, fail) => {
    const stream = createReadStream(file);
    stream.once('error', fail);
    res.once('close', () => {
      stream.destroy();
      done();
    });
    stream.pipe(res);
  });
}

/** The percent-decoded path, or undefined when it is malformed or holds a NUL or a backslash. */
function decodePath(rawPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return undefined;
  return decoded;
}

function isInside(dir: string, file: string): boolean {
  const path = relative(dir, file);
  return path === '' || (!path.startsWith(`..${sep}`) && path !== '..' && !isAbsolute(path));
}

async function statOrNull(file: string): Promise<Stats | null> {
  try {
    return await stat(file);
  } catch {
    return null;
  }
}

function sendNotFound(res: ServerResponse): void {
  sendText(res, 404, 'Not Found');
}

function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(301, { Location: location, 'Content-Length': 0 });
  res.end();
}
