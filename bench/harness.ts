// The whole benchmark: start-up and bundles first (before this process's environment is set up for the
// handlers), CPU per post, the Scan-capacity probe, then the fan-out sweep (several independent runs per
// client count), the concurrency tuning and the split simulation. Returns every figure; bench/run.ts
// prints them and writes the JSON.
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SETTINGS } from '../functions/settings.ts';
import { PROJECT_ROOT } from '../infra/bundling.ts';
import { broadcastsAt, runsAt, type BenchArgs } from './args.ts';
import type { Sample } from './fanout/measure-broadcast.ts';
import { PASSES, runFanout, type Block, type HeapFigures } from './fanout/run-fanout.ts';
import { splitVariant, VARIANTS, type Variant } from './fanout/variants.ts';
import { measureBundles, type BundleFigures } from './probes/bundles.ts';
import { measurePostCpu, type PostCpuFigures } from './probes/post-cpu.ts';
import { runFloodProbe, type FloodProbeResult } from './probes/flood.ts';
import { measureScanCapacity, type ScanCapacityFigures } from './probes/scan-capacity.ts';
import { measureStartup, type StartupFigures } from './probes/startup.ts';
import { median, summarizeRuns, type RunFigures, type Summary } from './report/stats.ts';
import { createProgress, type Progress } from './support/progress.ts';
import { cpuCheckMs } from './support/cpu-check.ts';

export interface BlockResult {
  label: string;
  variant: string;
  concurrency: number;
  /** Over all runs: delivery and handler p50/p95 are medians of the runs' own (report/stats.ts). */
  summary: Summary;
  perRun: RunFigures[];
  /** Ours only: the run with the median heap growth. */
  heap: HeapFigures | null;
  /** Every recorded broadcast, run after run. */
  samples: Sample[];
}

export interface RunInfo {
  /** Connecting and logging in the clients of the gateway blocks, ms. */
  setupMs: number;
  /** os.loadavg() (1, 5, 15 min) as the run started and ended: the machine is shared. */
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
}

export interface SizeResult {
  clients: number;
  broadcasts: number;
  runs: RunInfo[];
  blocks: BlockResult[];
}

export interface BenchResults {
  generatedAt: string;
  machine: {
    cpus: number;
    model: string;
    node: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
    /** The same fixed work timed at the start and at the end (support/cpu-check.ts), ms: the machine's speed then. */
    cpuCheckMs: { atStart: number; atEnd: number };
  };
  options: BenchArgs;
  fanout: SizeResult[];
  /** Ours only, one block per FANOUT_CONCURRENCY value, without and with an injected post latency. */
  tuning: { postLatencyMs: number; clients: number; blocks: BlockResult[] }[];
  /** The split simulation: per client count, one block per worker count, with an injected post latency. */
  split: { postLatencyMs: number; sizes: SizeResult[] } | null;
  bundles: BundleFigures[] | null;
  startup: StartupFigures | null;
  postCpu: PostCpuFigures | null;
  scanCapacity: ScanCapacityFigures | null;
  flood: FloodProbeResult | null;
}

/** Broadcasts the progress bar will count, so it can show how far along the run is. */
function plannedBroadcasts(args: BenchArgs, variants: readonly Variant[], tuneClients: number): number {
  const heapPass = variants.some((variant) => variant.name === 'ours') ? 1 : 0;
  let total = 0;
  for (const clients of args.clients) {
    const m = broadcastsAt(args, clients);
    total += runsAt(args, clients) * (variants.length * (m + args.warmup) + heapPass * m);
    total += args.workers.length * (m + args.warmup);
  }
  if (args.tune.length) total += 2 * args.tune.length * (broadcastsAt(args, tuneClients) + PASSES * args.warmup);
  return total;
}

export async function runBench(args: BenchArgs, progress?: Progress): Promise<BenchResults> {
  const loadAverageAtStart = loadavg();
  const cpuCheckAtStart = cpuCheckMs();
  const variants = args.variants.map((name) => VARIANTS[name as keyof typeof VARIANTS]);
  const tuneClients = args.clients.includes(1000) ? 1000 : (args.clients.at(-1) as number);
  const bar = progress ?? createProgress(plannedBroadcasts(args, variants, tuneClients));

  bar.phase('timing npm start');
  const startup = args.startup ? await measureStartup() : null;
  bar.phase('bundling the handlers, timing their init');
  const bundles = args.bundles ? await measureBundles(join(PROJECT_ROOT, 'bench', 'results', 'bundles')) : null;
  bar.phase('CPU per post');
  const postCpu = args.postCpu ? await measurePostCpu() : null;
  const scanCapacity = args.scanRoom === null ? null : await measureScanCapacity(args.scanRoom, (step) => bar.phase(`Scan capacity: ${step}`));
  bar.phase('the local gateway under a flood');
  const flood = args.flood ? await runFloodProbe() : null;

  /** `runs` independent runs of the blocks at one client count, summarised across the runs. */
  const run = async (clients: number, blocks: Block[], runs: number, extra: { postLatencyMs?: number; splitWorkers?: number[] } = {}): Promise<SizeResult> => {
    const broadcasts = broadcastsAt(args, clients);
    const infos: RunInfo[] = [];
    const byLabel = new Map<string, { block: Block; samples: Sample[][]; heaps: HeapFigures[] }>(blocks.map((block) => [block.label, { block, samples: [], heaps: [] }]));
    for (let index = 0; index < runs; index += 1) {
      const at = loadavg();
      const result = await runFanout({
        clients,
        broadcasts,
        warmup: args.warmup,
        blocks,
        ...(args.concurrency ? { concurrency: args.concurrency } : {}),
        ...extra,
        onBroadcast: () => bar.tick(),
        onPhase: (phase) => bar.phase(runs > 1 ? `run ${index + 1}/${runs}, ${phase}` : phase),
      });
      infos.push({ setupMs: result.setupMs, loadAverageAtStart: at, loadAverageAtEnd: loadavg() });
      for (const block of result.blocks) {
        const entry = byLabel.get(block.label);
        entry?.samples.push(block.samples);
        if (block.heap) entry?.heaps.push(block.heap);
      }
    }
    const blockResults = [...byLabel.values()].map(({ block, samples, heaps }) => {
      const { summary, perRun } = summarizeRuns(samples);
      const growth = median(heaps.map((heap) => heap.growthPerBroadcast));
      return {
        label: block.label,
        variant: block.variant.name,
        concurrency: block.concurrency ?? args.concurrency ?? DEFAULT_SETTINGS.fanoutConcurrency,
        summary,
        perRun,
        heap: heaps.find((heap) => heap.growthPerBroadcast === growth) ?? null,
        samples: samples.flat(),
      };
    });
    return { clients, broadcasts, runs: infos, blocks: blockResults };
  };

  const fanout: SizeResult[] = [];
  for (const clients of args.clients) {
    fanout.push(await run(clients, variants.map((variant) => ({ label: variant.name, variant })), runsAt(args, clients)));
    bar.note(sizeLine(fanout.at(-1) as SizeResult));
  }

  const tuning: BenchResults['tuning'] = [];
  for (const postLatencyMs of args.tune.length ? [0, args.postLatencyMs] : []) {
    const blocks = args.tune.map((concurrency) => ({ label: `ours c=${concurrency}`, variant: VARIANTS.ours, concurrency }));
    const result = await run(tuneClients, blocks, 1, { postLatencyMs });
    tuning.push({ postLatencyMs, clients: tuneClients, blocks: result.blocks });
  }

  let split: BenchResults['split'] = null;
  if (args.workers.length) {
    const blocks = args.workers.map((workers) => ({ label: `split-${workers}`, variant: splitVariant(workers) }));
    const sizes: SizeResult[] = [];
    for (const clients of args.clients) sizes.push(await run(clients, blocks, 1, { postLatencyMs: args.postLatencyMs, splitWorkers: args.workers }));
    split = { postLatencyMs: args.postLatencyMs, sizes };
  }
  bar.done();

  return {
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverageAtStart,
      loadAverageAtEnd: loadavg(),
      cpuCheckMs: { atStart: cpuCheckAtStart, atEnd: cpuCheckMs() },
    },
    options: args,
    fanout,
    tuning,
    split,
    bundles,
    startup,
    postCpu,
    scanCapacity,
    flood,
  };
}

/** One line per finished client count while the rest runs: p50 of each variant. */
function sizeLine(size: SizeResult): string {
  const figures = size.blocks.map((block) => `${block.label} ${block.summary.deliveryMs.p50.toFixed(1)}`).join(', ');
  return `${size.clients} recipients done (${size.runs.length} run${size.runs.length > 1 ? 's' : ''}, p50 ms): ${figures}`;
}
