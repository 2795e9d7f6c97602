// Each Lambda handler as it ships: bundled by esbuild with the stack's own options (infra/bundling.ts),
// then imported by a fresh `node` several times to time its init (module load: what a cold start pays
// before the first event, on top of the runtime's own start).
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { BUNDLING, PROJECT_ROOT } from '../../infra/bundling.ts';
import { percentile } from '../report/stats.ts';

const run = promisify(execFile);

export interface BundleFigures {
  handler: string;
  /** Minified code (index.mjs), without the source map. */
  bytes: number;
  /** Import time in a fresh process, ms: median and worst of `runs`. */
  initMs: { p50: number; max: number; runs: number };
}

const HANDLERS_DIR = join(PROJECT_ROOT, 'functions', 'handlers');

export async function measureBundles(outdir: string, runs = 5): Promise<BundleFigures[]> {
  const handlers = readdirSync(HANDLERS_DIR)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -3))
    .sort();
  const figures: BundleFigures[] = [];
  for (const handler of handlers) {
    const dir = join(outdir, handler);
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, 'index.mjs');
    await build({
      entryPoints: [join(HANDLERS_DIR, `${handler}.ts`)],
      outfile,
      bundle: true,
      platform: 'node',
      format: BUNDLING.format === 'esm' ? 'esm' : 'cjs',
      target: BUNDLING.target ?? 'node22',
      mainFields: BUNDLING.mainFields ?? ['module', 'main'],
      minify: BUNDLING.minify ?? true,
      sourcemap: BUNDLING.sourceMap ?? true,
      sourcesContent: BUNDLING.sourcesContent ?? false,
      logLevel: 'error',
    });
    const times: number[] = [];
    for (let index = 0; index < runs; index += 1) times.push(await importTime(outfile));
    times.sort((a, b) => a - b);
    figures.push({ handler, bytes: statSync(outfile).size, initMs: { p50: percentile(times, 50), max: times.at(-1) ?? Number.NaN, runs } });
  }
  return figures;
}

/** One fresh process importing the bundle; the clock starts inside it, so node's own start is excluded. */
async function importTime(file: string): Promise<number> {
  const script = 'const t = performance.now(); await import(process.env.BUNDLE_URL); process.stdout.write(String(performance.now() - t));';
  const { stdout } = await run(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
    env: { ...process.env, BUNDLE_URL: pathToFileURL(file).href, AWS_REGION: process.env.AWS_REGION ?? 'us-east-1' },
  });
  return Number(stdout);
}
