// Stack traces of a bundled handler pointed at the TypeScript sources, through the index.mjs.map the
// bundle ships beside itself, read when the first stack is formatted. Node's `--enable-source-maps` maps
// them too, but reads and indexes the map while the bundle loads: ≈10 ms of every cold start of a chat
// route on this project's bundles (≈15 ms for the authorizer's; bench/probes/bundles.ts, Node 20), paid
// for stacks most containers never format. The mapping itself is node's (module.SourceMap); this file
// only defers it and rewrites each frame as node's own mapping writes it.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { fileURLToPath } from 'node:url';
import { jsonFields, parseJson } from './json-values.ts';

/** A bundle's map: not read yet (undefined), unreadable (null), or read. */
type MapState = SourceMap | null | undefined;

/**
 * The bundles mapped in this process, shared by every bundle's copy of this file (the local gateway can
 * run several bundles in one process): each registers its URL, and the one formatter maps them all.
 */
const REGISTRY_KEY = Symbol.for('wschat.sourceMappedBundles');

interface Registry {
  maps: Map<string, MapState>;
}

/**
 * From now on, every stack trace's frames in this bundle (the file this code was bundled into) show the
 * source position and function name the map gives; frames elsewhere, and every frame when the map is
 * unreadable, stay as V8 writes them. Does nothing where there is no map beside this file (under tsx or
 * vitest, which map stacks themselves), or where node maps stacks already (`--enable-source-maps`).
 * Process-wide (Error.prepareStackTrace), and idempotent.
 */
export function installSourceMappedStacks(bundleUrl: string = import.meta.url): void {
  if (process.sourceMapsEnabled || !existsSync(fileURLToPath(`${bundleUrl}.map`))) return;
  const registry = registryOf();
  if (!registry.maps.has(bundleUrl)) registry.maps.set(bundleUrl, undefined);
}

function registryOf(): Registry {
  const existing: unknown = Reflect.get(globalThis, REGISTRY_KEY);
  if (isRegistry(existing)) return existing;
  const registry: Registry = { maps: new Map() };
  Reflect.set(globalThis, REGISTRY_KEY, registry);
  const defaultFormat = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, sites) => {
    const frames = sites.map((_site, index) => `\n    at ${frameOf(registry, sites, index)}`);
    return `${headerOf(error, defaultFormat)}${frames.join('')}`;
  };
  return registry;
}

function isRegistry(value: unknown): value is Registry {
  return typeof value === 'object' && value !== null && 'maps' in value && value.maps instanceof Map;
}

/** The bundle's map, read the first time a frame of it is formatted (and an unreadable one not again). */
function mapOf(registry: Registry, bundleUrl: string): SourceMap | null {
  let map = registry.maps.get(bundleUrl);
  if (map === undefined) {
    map = readSourceMap(`${bundleUrl}.map`);
    registry.maps.set(bundleUrl, map);
  }
  return map;
}

/** Where a frame's code came from: its line and column in the source, and the source's name for the function. */
interface Origin {
  source: string;
  line: number;
  column: number;
  name: string | undefined;
}

/** A frame's origin, if it is in a mapped bundle and the map knows its position (1-based, as stacks are). */
function originOf(registry: Registry, site: NodeJS.CallSite | undefined, at: 'call' | 'enclosing' = 'call'): Origin | undefined {
  const file = site?.getFileName();
  if (!site || !file || !registry.maps.has(file)) return undefined;
  const line = at === 'call' ? site.getLineNumber() : site.getEnclosingLineNumber();
  const column = at === 'call' ? site.getColumnNumber() : site.getEnclosingColumnNumber();
  if (line === null || column === null) return undefined;
  // As node's own mapping looks it up: the entry at the 0-based position, printed 1-based.
  const entry: object | undefined = mapOf(registry, file)?.findEntry(line - 1, column - 1);
  if (!entry || !('originalSource' in entry) || typeof entry.originalSource !== 'string') return undefined;
  if (!('originalLine' in entry) || typeof entry.originalLine !== 'number' || !('originalColumn' in entry) || typeof entry.originalColumn !== 'number') return undefined;
  const name = 'name' in entry && typeof entry.name === 'string' && entry.name !== '' ? entry.name : undefined;
  return { source: sourcePath(entry.originalSource), line: entry.originalLine + 1, column: entry.originalColumn + 1, name };
}

/**
 * The frame as V8 writes it, its position in the bundle replaced by the source position and its
 * (minified) function name by the source's, as node's own mapping does: the name the map gives the
 * enclosing function, else the one it gives the call in the next frame, if that frame is in the bundle.
 */
function frameOf(registry: Registry, sites: readonly NodeJS.CallSite[], index: number): string {
  const site = sites[index];
  if (!site) return '';
  const text = site.toString();
  const origin = originOf(registry, site);
  if (!origin) return text;
  const position = `${origin.source}:${origin.line}:${origin.column}`;
  const name = originOf(registry, site, 'enclosing')?.name ?? callerName(registry, sites[index + 1], site);
  const prefix = site.isAsync() ? 'async ' : site.isConstructor() ? 'new ' : '';
  return `${prefix}${name ?? '<anonymous>'} (${position})`;
}

/** The name the map gives the call in the next frame, if that frame is in the same bundle. */
function callerName(registry: Registry, caller: NodeJS.CallSite | undefined, site: NodeJS.CallSite): string | undefined {
  return caller?.getFileName() === site.getFileName() ? originOf(registry, caller)?.name : undefined;
}

/**
 * A source as the map names it, relative to the directory the bundle was built in (CDK's staging
 * directory, so it climbs to the repository's absolute path): from the repository's own top-level
 * directory on, which for a bundle's sources is `functions/` or, for a dependency, `node_modules/` (the
 * last of each, so that neither a directory of that name above the repository nor a nested package
 * hides it).
 */
function sourcePath(source: string): string {
  const relative = source.replace(/^(\.\.\/)+/, '');
  for (const top of ['node_modules/', 'functions/']) {
    const at = relative.lastIndexOf(top);
    if (at === 0 || (at > 0 && relative[at - 1] === '/')) return relative.slice(at);
  }
  return relative;
}

/**
 * What V8 writes first (`Name: message`, node's error codes included): node's own formatter with no frames,
 * else Error.prototype.toString, which also serves the plain objects Error.captureStackTrace is given
 * (console.trace's `{ name: 'Trace', message }`).
 */
function headerOf(error: Error, defaultFormat: typeof Error.prepareStackTrace): string {
  try {
    const header: unknown = defaultFormat?.(error, []);
    return typeof header === 'string' ? header : Error.prototype.toString.call(error);
  } catch {
    return '<error whose name or message cannot be read>';
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
  try {
    return new SourceMap(payload);
  } catch {
    return null;
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
