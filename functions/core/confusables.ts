// The confusables table (Unicode's confusables.txt, see lookalikes.ts), read from its package's file on
// first use instead of imported: imported, a bundle carries it as a 71 KiB object literal that every cold
// start of a chat route compiles (and, with source maps on, scans and maps), ≈9 ms of its import, though
// most first invocations (a disconnect, a plain message) never look at a name. The bundles ship the file
// beside index.mjs as node_modules/unhomoglyph/data.json (infra/bundling.ts), so it resolves from a bundle
// as it does from the sources.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isJsonObject, parseJson } from '../json-values.ts';

/** The table's file, as a package path: what the bundles ship and what this module resolves. */
export const CONFUSABLES_FILE = 'unhomoglyph/data.json';

/** Each character the file maps, to its prototype. Throws, naming the file, if it is missing or malformed. */
export function readConfusables(): Map<string, string> {
  let path: string;
  let text: string;
  try {
    path = createRequire(import.meta.url).resolve(CONFUSABLES_FILE);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`the confusables table ${CONFUSABLES_FILE} cannot be read from ${import.meta.url} (a bundle ships it beside itself: infra/bundling.ts)`, { cause: error });
  }
  const value = parseJson(text);
  if (!isJsonObject(value)) throw new Error(`the confusables table ${path} is not a JSON object`);
  const table = new Map<string, string>();
  for (const [char, prototype] of Object.entries(value)) {
    if (typeof prototype !== 'string') throw new Error(`the confusables table ${path} maps ${JSON.stringify(char)} to a ${typeof prototype}, not a string`);
    table.set(char, prototype);
  }
  return table;
}
