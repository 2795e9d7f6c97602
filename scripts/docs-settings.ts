// `npm run docs:settings`: rewrites the settings tables of README.md and docs/deploy.md from the one
// table in functions/settings.ts. test/settings.test.ts fails when a doc and the table disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HANDLER_CONTEXT_SETTINGS, handlerSettingFallback } from '../infra/config.ts';
import { SETTING_NAMES, SETTINGS, type SettingDefinition } from '../functions/settings.ts';

export const BEGIN = '<!-- settings:begin -->';
export const END = '<!-- settings:end -->';
const ROOT = new URL('..', import.meta.url);

const code = (text: string | number | boolean) => `\`${text}\``;
// A `|` would end the cell.
const row = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
const table = (header: readonly string[], rows: readonly (readonly string[])[]) =>
  [row(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(row)].join('\n');

function defaultOf(setting: SettingDefinition): string {
  return setting.kind === 'string' ? setting.unset : code(setting.default);
}

function accepted(setting: SettingDefinition): string {
  switch (setting.kind) {
    case 'integer':
      return `integer, ${setting.min} to ${setting.max}`;
    case 'boolean':
      return '`true`, `false`';
    case 'string':
      return 'text';
  }
}

/** README.md: every variable the handlers read, on Lambda and under `npm start` alike. */
export function renderEnvironmentTable(): string {
  return table(
    ['variable', 'default', 'accepted', 'meaning'],
    SETTING_NAMES.map((name) => {
      const setting: SettingDefinition = SETTINGS[name];
      return [code(setting.env), defaultOf(setting), accepted(setting), setting.meaning];
    }),
  );
}

/** docs/deploy.md: the handler settings a deploy may set, by context key or WSCHAT_ variable. */
export function renderContextTable(): string {
  return table(
    ['context key', 'environment', 'handler variable', 'default', 'accepted', 'meaning'],
    HANDLER_CONTEXT_SETTINGS.map((name) => {
      const setting: SettingDefinition = SETTINGS[name];
      return [code(name), code(handlerSettingFallback(name)), code(setting.env), defaultOf(setting), accepted(setting), setting.meaning];
    }),
  );
}

/** Each generated doc, by its path from the project root. */
export const GENERATED_DOCS = [
  { path: 'README.md', render: renderEnvironmentTable },
  { path: 'docs/deploy.md', render: renderContextTable },
] as const;

/** `text` with what lies between its one BEGIN and END markers replaced by `block`. */
export function withBlock(text: string, block: string, path: string): string {
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin < 0 || end < begin || text.indexOf(BEGIN, begin + 1) >= 0) throw new Error(`${path}: expected one ${BEGIN} … ${END} block`);
  return `${text.slice(0, begin + BEGIN.length)}\n${block}\n${text.slice(end)}`;
}

export const docPath = (path: string): string => fileURLToPath(new URL(path, ROOT));

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const { path, render } of GENERATED_DOCS) {
    const before = readFileSync(docPath(path), 'utf8');
    const after = withBlock(before, render(), path);
    if (after !== before) writeFileSync(docPath(path), after);
    console.log(`${path}: ${after === before ? 'up to date' : 'rewritten'}`);
  }
}
