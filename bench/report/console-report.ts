// The terminal report, in the order a reader wants it: the machine and its load, each client count's
// variants, the sweep, tuning and split (report/fanout-tables.ts), the probes (report/probe-lines.ts),
// and the targets (MET/MISS).
import type { BenchResults } from '../harness.ts';
import { formatSize, formatSplit, formatSweep, formatTuning } from './fanout-tables.ts';
import { formatFloodProbe } from '../probes/flood.ts';
import { formatBundles, formatPostCpu, formatScanCapacity, formatStartup } from './probe-lines.ts';
import type { Target } from './targets.ts';
import { CPU_CHECK_DESCRIPTION } from '../support/cpu-check.ts';

const loads = (values: number[]) => values.map((l) => l.toFixed(1)).join(' ');

export function formatTargets(targets: Target[]): string {
  const mark = (pass: boolean | null) => (pass === null ? '   ?' : pass ? ' MET' : 'MISS');
  return `\nTargets\n${targets.map((t) => `${mark(t.pass)}  ${t.name}\n        ${t.detail}`).join('\n')}`;
}

export function formatReport(results: BenchResults, targets: Target[]): string {
  const { machine } = results;
  return [
    `wschat fan-out benchmark · ${machine.cpus} × ${machine.model} · node ${machine.node}`,
    `load average (1, 5, 15 min; the machine is shared): ${loads(machine.loadAverageAtStart)} at the start, ${loads(machine.loadAverageAtEnd)} at the end`,
    `its speed: ${CPU_CHECK_DESCRIPTION} took ${machine.cpuCheckMs.atStart.toFixed(0)} ms at the start, ${machine.cpuCheckMs.atEnd.toFixed(0)} ms at the end (every ms figure below moves with it)`,
    ...results.fanout.map((size) => formatSize(size)),
    formatSweep(results),
    formatTuning(results),
    formatSplit(results),
    formatPostCpu(results),
    formatScanCapacity(results),
    formatBundles(results),
    formatStartup(results),
    results.flood ? `\nThe local gateway under a flood (bench/probes/flood.ts)\n${formatFloodProbe(results.flood)}` : '',
    formatTargets(targets),
  ]
    .filter(Boolean)
    .join('\n');
}
