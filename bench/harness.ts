// The whole benchmark: start-up and bundles first (before this process's environment is set up for the
// handlers), then the fan-out runs, the concurrency tuning and the split simulation. Returns every
// figure; bench/run.ts prints them and writes the JSON.
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SETTINGS } from '../functions/settings.ts';
import { PROJECT_ROOT } from '../infra/bundling.ts';
import type { BenchArgs } from './args.ts';
import { measureBundles, type BundleFigures } from './probes/bundles.ts';
import { PASSES, runFanout, type Block, type HeapFigures } from './fanout/run-fanout.ts';
import type { Sample } from './fanout/measure-broadcast.ts';
import { measurePostCpu, type PostCpuFigures } from './probes/post-cpu.ts';
import { createProgress, type Progress } from './support/progress.ts';
import { measureStartup, type StartupFigures } from './probes/startup.ts';
import { summarize, type Summary } from './report/stats.ts';
import { splitVariant, VARIANTS, type Variant } from './fanout/variants.ts';

export interface BlockResult {
  label: string;
  variant: string;
  concurrency: number;
  summary: Summary;
  heap: HeapFigures | null;
  samples: Sample[];
}

export interface SizeResult {
  clients: number;
  setupMs: number;
  blocks: BlockResult[];
}

export interface BenchResults {
  generatedAt: string;
  machine: { cpus: number; model: string; node: string; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  options: BenchArgs;
  fanout: SizeResult[];
  /** Ours only, one block per FANOUT_CONCURRENCY value, without and with an injected post latency. */
  tuning: { postLatencyMs: number; clients: number; blocks: BlockResult[] }[];
  /** The split simulation: per client count, one block per worker count, with an injected post latency. */
  split: { postLatencyMs: number; sizes: SizeResult[] } | null;
  bundles: BundleFigures[] | null;
  startup: StartupFigures | null;
  postCpu: PostCpuFigures | null;
}

export async function runBench(args: BenchArgs, progress?: Progress): Promise<BenchResults> {
  const loadAverageAtStart = loadavg();
  const startup = args.startup ? await measureStartup() : null;
  const bundles = args.bundles ? await measureBundles(join(PROJECT_ROOT, 'bench', 'results', 'bundles')) : null;
  const postCpu = args.postCpu ? await measurePostCpu() : null;

  const variants = args.variants.map((name) => VARIANTS[name as keyof typeof VARIANTS]);
  const tuneClients = args.clients.includes(1000) ? 1000 : (args.clients.at(-1) as number);
  const splitBlocks = args.workers.map((workers) => ({ label: `split-${workers}`, variant: splitVariant(workers) }));
  const { broadcasts: m, warmup: w } = args;
  const heapPass = variants.some((variant) => variant.name === 'ours') ? m : 0;
  const total =
    args.clients.length * (variants.length * (m + w) + heapPass) +
    (args.tune.length ? 2 * args.tune.length * (m + PASSES * w) : 0) +
    args.clients.length * splitBlocks.length * (m + w);
  const bar = progress ?? createProgress(total);

  const run = async (clients: number, blocks: Block[], extra: { postLatencyMs?: number; splitWorkers?: number[] } = {}) => {
    const result = await runFanout({
      clients,
      broadcasts: args.broadcasts,
      warmup: args.warmup,
      blocks,
      ...(args.concurrency ? { concurrency: args.concurrency } : {}),
      ...extra,
      onBroadcast: () => bar.tick(),
      onPhase: (phase) => bar.phase(phase),
    });
    const blockResults = result.blocks.map((block) => ({
      label: block.label,
      variant: block.variant,
      concurrency: block.concurrency ?? args.concurrency ?? DEFAULT_SETTINGS.fanoutConcurrency,
      summary: summarize(block.samples),
      heap: block.heap,
      samples: block.samples,
    }));
    return { clients, setupMs: result.setupMs, blocks: blockResults };
  };

  const fanout: SizeResult[] = [];
  for (const clients of args.clients) {
    fanout.push(await run(clients, variants.map((variant: Variant) => ({ label: variant.name, variant }))));
  }

  const tuning: BenchResults['tuning'] = [];
  for (const postLatencyMs of args.tune.length ? [0, args.postLatencyMs] : []) {
    const blocks = args.tune.map((concurrency) => ({ label: `ours c=${concurrency}`, variant: VARIANTS.ours, concurrency }));
    const result = await run(tuneClients, blocks, { postLatencyMs });
    tuning.push({ postLatencyMs, clients: tuneClients, blocks: result.blocks });
  }

  let split: BenchResults['split'] = null;
  if (splitBlocks.length) {
    const sizes: SizeResult[] = [];
    for (const clients of args.clients) sizes.push(await run(clients, splitBlocks, { postLatencyMs: args.postLatencyMs, splitWorkers: args.workers }));
    split = { postLatencyMs: args.postLatencyMs, sizes };
  }
  bar.done();

  return {
    generatedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version, loadAverageAtStart, loadAverageAtEnd: loadavg() },
    options: args,
    fanout,
    tuning,
    split,
    bundles,
    startup,
    postCpu,
  };
}
