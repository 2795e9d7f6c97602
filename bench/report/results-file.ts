// The results JSON (bench/results/latest.json by default): every figure of the run and the targets,
// for the docs and for comparing runs later.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PROJECT_ROOT } from '../../infra/bundling.ts';
import type { BenchResults } from '../harness.ts';
import type { Target } from './targets.ts';

/** Writes the figures to `file` (relative to the project root) and returns the absolute path. */
export function writeResults(file: string, results: BenchResults, targets: Target[]): string {
  const out = resolve(PROJECT_ROOT, file);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ ...results, targets }, null, 2)}\n`);
  return out;
}
