// `npm run bench`: see bench/args.ts for the options and docs/scaling.md for what the figures mean.
// bench/fanout/ runs the broadcasts, bench/probes/ measures one thing each, bench/report/ turns the
// figures into the console table, the targets and the JSON; bench/support/ holds the meters.
import { parseBenchArgs, USAGE } from './args.ts';
import { runBench } from './harness.ts';
import { canMeasureHeap } from './probes/heap.ts';
import { formatReport } from './report/console-report.ts';
import { writeResults } from './report/results-file.ts';
import { evaluateTargets } from './report/targets.ts';

const args = parseBenchArgs(process.argv.slice(2));
if (args === 'help') {
  console.log(USAGE);
  process.exit(0);
}
if (!canMeasureHeap()) console.warn('note: heap figures need node --expose-gc (npm run bench passes it)');

const results = await runBench(args);
const targets = evaluateTargets(results);
console.log(formatReport(results, targets));
console.log(`\nfigures: ${writeResults(args.out, results, targets)}`);
process.exit(0); // keep-alive sockets of the handlers' clients would hold the event loop open a while
