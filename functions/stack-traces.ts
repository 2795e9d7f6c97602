// Stack traces of a bundled handler pointed at the TypeScript sources, through the index.mjs.map the
// bundle ships beside itself, read when the first stack is formatted. Node's `--enable-source-maps` maps
// them too, but reads and indexes the map while the bundle loads: ≈10 ms of every cold start of a chat
// route on this project's bundles (≈15 ms for the authorizer's; bench/probes/bundles.ts, Node 20), paid
// for stacks most containers never format. The mapping itself is node's (module.SourceMap); this file
// only defers it and rewrites each frame's position.
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { fileURLToPath } from 'node:url';
import { jsonFields, parseJson } from './json-values.ts';

/**
 * From now on, every stack trace's frames in `bundleUrl` (the bundle all of this file's code is in, by
 * default) show the source position the map gives; frames elsewhere, and every frame when the map is
 * missing or unreadable, stay as V8 writes them. Process-wide (it sets Error.prepareStackTrace): only
 * for a bundle, never under tsx or vitest, whose own source maps it would override.
 */
export function installSourceMappedStacks(bundleUrl: string = import.meta.url): void {
  let map: SourceMap | null | undefined;
  const mapOf = (): SourceMap | null => {
    map ??= readSourceMap(`${bundleUrl}.map`);
    return map;
  };
  Error.prepareStackTrace = (error, sites) => {
    const frames = sites.map((_site, index) => `\n    at ${frameOf(sites, index, bundleUrl, mapOf)}`);
    return `${headerOf(error)}${frames.join('')}`;
  };
}

/**
 * The frame as V8 writes it, its position in the bundle replaced by the source position and its
 * (minified) function name by the source's, as node's own mapping does: the name the map gives the
 * enclosing function, else the one it gives the call in the next frame, if that frame is in the bundle.
 */
function frameOf(sites: readonly NodeJS.CallSite[], index: number, bundleUrl: string, mapOf: () => SourceMap | null): string {
  const site = sites[index];
  if (!site) return '';
  const text = site.toString();
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (site.getFileName() !== bundleUrl || line === null || column === null) return text;
  const map = mapOf();
  const origin = map?.findOrigin(line, column);
  if (!map || !origin || !('fileName' in origin)) return text;
  const position = `${sourcePath(origin.fileName)}:${origin.lineNumber}:${origin.columnNumber}`;
  const name = enclosingName(map, site) ?? callerName(map, sites[index + 1], bundleUrl);
  if (!name || !text.endsWith(`(${bundleUrl}:${line}:${column})`)) return text.replace(`${bundleUrl}:${line}:${column}`, position);
  const prefix = site.isAsync() ? 'async ' : site.isConstructor() ? 'new ' : '';
  return `${prefix}${name} (${position})`;
}

function enclosingName(map: SourceMap, site: NodeJS.CallSite): string | undefined {
  const line = site.getEnclosingLineNumber();
  const column = site.getEnclosingColumnNumber();
  return line === null || column === null ? undefined : nameAt(map, line, column);
}

function callerName(map: SourceMap, caller: NodeJS.CallSite | undefined, bundleUrl: string): string | undefined {
  const line = caller?.getLineNumber() ?? null;
  const column = caller?.getColumnNumber() ?? null;
  return caller?.getFileName() !== bundleUrl || line === null || column === null ? undefined : nameAt(map, line, column);
}

function nameAt(map: SourceMap, line: number, column: number): string | undefined {
  const origin = map.findOrigin(line, column);
  return 'name' in origin && origin.name ? origin.name : undefined;
}

/**
 * A source as the map names it, relative to the directory the bundle was built in (CDK's staging
 * directory, so it climbs to the repository's absolute path): from the repository's top-level directory
 * on, which for a bundle is `functions/` or `node_modules/`.
 */
function sourcePath(source: string): string {
  const start = /(?:^|\/)((?:functions|node_modules)\/.*)$/.exec(source);
  return start?.[1] ?? source.replace(/^(\.\.\/)+/, '');
}

/** What V8 writes first: `Name: message`. */
function headerOf(error: unknown): string {
  try {
    return String(error);
  } catch {
    return '<error whose toString throws>';
  }
}

/** The map, or null when it is missing or not a source map (the stacks then stay unmapped). */
function readSourceMap(mapUrl: string): SourceMap | null {
  let text: string;
  try {
    text = readFileSync(fileURLToPath(mapUrl), 'utf8');
  } catch {
    return null;
  }
  const fields = jsonFields(parseJson(text));
  const sources = fields.get('sources');
  const names = fields.get('names') ?? [];
  const mappings = fields.get('mappings');
  if (fields.get('version') !== 3 || !isStringArray(sources) || !isStringArray(names) || typeof mappings !== 'string') return null;
  const payload: SourceMapPayload = { file: '', version: 3, sources, sourcesContent: [], names, mappings, sourceRoot: '' };
  return new SourceMap(payload);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
