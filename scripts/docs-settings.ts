// `npm run docs:settings`: rewrites the settings tables of README.md and docs/deploy.md from the one
// table in functions/settings.ts, and the metrics table of docs/deploy.md from functions/metrics.ts.
// test/settings.test.ts fails when a doc and its table disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HANDLER_CONTEXT_SETTINGS, handlerSettingFallback } from '../infra/config.ts';
import { METRIC_KEYS, METRICS, type MetricDefinition } from '../functions/metrics.ts';
import { SETTING_NAMES, SETTINGS, type SettingDefinition } from '../functions/settings.ts';

/** Which generated block of a doc: `<!-- settings:begin -->` … `<!-- settings:end -->`, or `metrics:`. */
export type Marker = 'settings' | 'metrics';
const markers = (marker: Marker) => ({ begin: `<!-- ${marker}:begin -->`, end: `<!-- ${marker}:end -->` });
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
    case 'text':
      return setting.rule;
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

/** docs/deploy.md: every metric the handlers publish (dimensions `stage` and `route`). */
export function renderMetricsTable(): string {
  const statistic = (metric: MetricDefinition) => (metric.kind === 'sum' ? 'Sum' : 'Maximum, p99, Average');
  return table(
    ['metric', 'unit', 'read as', 'meaning'],
    METRIC_KEYS.map((key) => {
      const metric: MetricDefinition = METRICS[key];
      return [code(metric.name), metric.unit, statistic(metric), metric.meaning];
    }),
  );
}

/** Each generated block, by the path of its doc from the project root. */
export const GENERATED_DOCS = [
  { path: 'README.md', marker: 'settings', render: renderEnvironmentTable },
  { path: 'docs/deploy.md', marker: 'settings', render: renderContextTable },
  { path: 'docs/deploy.md', marker: 'metrics', render: renderMetricsTable },
] as const satisfies readonly { path: string; marker: Marker; render: () => string }[];

/** `text` with what lies between its one pair of `marker` comments replaced by `block`. */
export function withBlock(text: string, block: string, path: string, marker: Marker = 'settings'): string {
  const { begin: opening, end: closing } = markers(marker);
  const begin = text.indexOf(opening);
  const end = text.indexOf(closing);
  if (begin < 0 || end < begin || text.indexOf(opening, begin + 1) >= 0) throw new Error(`${path}: expected one ${opening} … ${closing} block`);
  return `${text.slice(0, begin + opening.length)}\n${block}\n${text.slice(end)}`;
}

export const docPath = (path: string): string => fileURLToPath(new URL(path, ROOT));

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const { path, marker, render } of GENERATED_DOCS) {
    const before = readFileSync(docPath(path), 'utf8');
    const after = withBlock(before, render(), path, marker);
    if (after !== before) writeFileSync(docPath(path), after);
    console.log(`${path} (${marker}): ${after === before ? 'up to date' : 'rewritten'}`);
  }
}
