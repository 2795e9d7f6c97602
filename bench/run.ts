// `npm run bench`: see bench/args.ts for the options and docs/scaling.md for what the figures mean.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PROJECT_ROOT } from '../infra/bundling.ts';
import { parseBenchArgs, USAGE } from './args.ts';
import { runBench } from './harness.ts';
import { canMeasureHeap } from './heap.ts';
import { formatReport } from './report.ts';
import { evaluateTargets } from './targets.ts';

const args = parseBenchArgs(process.argv.slice(2));
if (args === 'help') {
  console.log(USAGE);
  process.exit(0);
}
if (!canMeasureHeap()) console.warn('note: heap figures need node --expose-gc (npm run bench passes it)');

const results = await runBench(args);
const targets = evaluateTargets(results);
console.log(formatReport(results, targets));

const out = resolve(PROJECT_ROOT, args.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ ...results, targets }, null, 2)}\n`);
console.log(`\nfigures: ${out}`);
process.exit(0); // keep-alive sockets of the handlers' clients would hold the event loop open a while
