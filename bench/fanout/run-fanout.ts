// One client count through a list of blocks (a variant, optionally with its own FANOUT_CONCURRENCY).
// The gateway blocks share one environment and one set of logged-in clients, and run interleaved; the
// raw-ws floor gets its own server and clients.
import { resetContainer } from '../../functions/container.ts';
import { startEnvironment, SAMPLE_TABLE_NAME, type BenchEnvironment, type EnvironmentOptions } from './environment.ts';
import { startFloor } from './raw-ws-floor.ts';
import { heapAfterGc } from '../probes/heap.ts';
import { logInAll } from './login.ts';
import { measureBroadcast, type Sample } from './measure-broadcast.ts';
import { Receivers } from './receivers.ts';
import type { Variant } from './variants.ts';

/** Blocks with their own FANOUT_CONCURRENCY alternate in this many chunks. */
export const PASSES = 4;

export interface Block {
  label: string;
  variant: Variant;
  /** FANOUT_CONCURRENCY for our handlers during this block. */
  concurrency?: number;
}

export interface FanoutOptions extends EnvironmentOptions {
  clients: number;
  broadcasts: number;
  /** Unrecorded broadcasts per block first (JIT, keep-alive pools, caches). */
  warmup: number;
  blocks: readonly Block[];
  /** Called after every broadcast, recorded or not. */
  onBroadcast?: () => void;
  /** Called when a phase starts (connecting, logging in, a block). */
  onPhase?: (phase: string) => void;
}

export interface HeapFigures {
  /** Heap used after GC before the block's recorded broadcasts and after them, in bytes. */
  before: number;
  after: number;
  growthPerBroadcast: number;
}

export interface BlockRun {
  label: string;
  variant: string;
  concurrency: number | undefined;
  samples: Sample[];
  heap: HeapFigures | null;
}

export interface FanoutRun {
  clients: number;
  /** Connecting and logging in the clients of the gateway blocks, ms. */
  setupMs: number;
  blocks: BlockRun[];
}

export async function runFanout(options: FanoutOptions): Promise<FanoutRun> {
  const runs: BlockRun[] = [];
  let setupMs = 0;
  const onGateway = options.blocks.filter((block) => block.variant.server === 'gateway');
  const onFloor = options.blocks.filter((block) => block.variant.server === 'raw-ws');

  if (onGateway.length) {
    const env = await startEnvironment(options);
    try {
      const started = performance.now();
      options.onPhase?.(`${options.clients} clients: connecting`);
      const receivers = await Receivers.open(env.url, options.clients);
      options.onPhase?.(`${options.clients} clients: logging in`);
      await logInAll(env.store, env.dynamodb, SAMPLE_TABLE_NAME, env.gateway.connectionIds());
      setupMs = performance.now() - started;
      runs.push(...(await runInterleaved(receivers, onGateway, env, options)));
      // Dropped, not closed: N $disconnects would each announce "X left" to the rest, N²/2 posts of teardown.
      for (const id of env.gateway.connectionIds()) env.gateway.dropConnection(id);
      await receivers.close();
    } finally {
      await env.close();
    }
  }
  for (const block of onFloor) {
    const floor = await startFloor();
    try {
      options.onPhase?.(`${options.clients} clients: connecting to the raw-ws floor`);
      const receivers = await Receivers.open(floor.url, options.clients);
      runs.push(...(await runInterleaved(receivers, [block], undefined, options)));
      await receivers.close();
    } finally {
      await floor.close();
    }
  }
  return { clients: options.clients, setupMs, blocks: runs };
}

/**
 * Runs the blocks' broadcasts interleaved, so that a change in the machine's load (this is a shared
 * 2-core machine) falls on every block alike instead of on whichever ran at the time. Blocks that share
 * the container alternate broadcast by broadcast, each round starting with the next block; blocks with
 * their own FANOUT_CONCURRENCY need a fresh container, so they alternate in chunks, each chunk after a
 * container reset and a warm-up. Then, per `ours` block, the heap is measured over as many broadcasts again.
 */
async function runInterleaved(receivers: Receivers, blocks: readonly Block[], env: BenchEnvironment | undefined, options: FanoutOptions): Promise<BlockRun[]> {
  const timeoutMs = 30_000 + options.clients * 20; // generous: a broadcast that misses it is reported incomplete
  const switching = blocks.some((block) => block.concurrency !== undefined);
  const chunk = switching ? Math.max(1, Math.ceil(options.broadcasts / PASSES)) : 1;
  let sequence = 0;
  const once = async (block: Block, what: string) => {
    const sample = await measureBroadcast(receivers, block.variant, `<${block.label}:${what}:${(sequence += 1)}>`, env, timeoutMs);
    options.onBroadcast?.();
    return sample;
  };
  const enter = async (block: Block) => {
    options.onPhase?.(`${options.clients} clients: ${blocks.length > 1 ? blocks.map((b) => b.label).join(' / ') : block.label}`);
    if (block.concurrency !== undefined) {
      process.env.FANOUT_CONCURRENCY = String(block.concurrency);
      resetContainer(); // the next event builds the container (and its keep-alive pool) with this bound
    }
    for (let index = 0; index < options.warmup; index += 1) {
      const sample = await once(block, 'warmup');
      if (sample.received < sample.recipients) {
        // Fail fast: a broken handler would otherwise cost a timeout per broadcast.
        throw new Error(`${block.label}: a broadcast reached ${sample.received} of ${sample.recipients} recipients (handler: ${sample.handlerOutcome || 'none'})`);
      }
    }
  };

  const samples = new Map<Block, Sample[]>(blocks.map((block) => [block, []]));
  if (!switching) for (const block of blocks) await enter(block);
  for (let round = 0; blocks.some((block) => (samples.get(block) as Sample[]).length < options.broadcasts); round += 1) {
    for (let offset = 0; offset < blocks.length; offset += 1) {
      const block = blocks[(round + offset) % blocks.length] as Block;
      const recorded = samples.get(block) as Sample[];
      if (recorded.length >= options.broadcasts) continue;
      if (switching) await enter(block);
      for (let index = 0; index < chunk && recorded.length < options.broadcasts; index += 1) recorded.push(await once(block, 'run'));
    }
  }

  const runs: BlockRun[] = [];
  for (const block of blocks) {
    let heap: HeapFigures | null = null;
    if (block.variant.name === 'ours' && block.concurrency === undefined) {
      options.onPhase?.(`${options.clients} clients: ${block.label} heap`);
      const before = await heapAfterGc();
      for (let index = 0; index < options.broadcasts; index += 1) await once(block, 'heap');
      const after = await heapAfterGc();
      if (before !== null && after !== null) heap = { before, after, growthPerBroadcast: (after - before) / Math.max(1, options.broadcasts) };
    }
    runs.push({ label: block.label, variant: block.variant.name, concurrency: block.concurrency, samples: samples.get(block) as Sample[], heap });
  }
  return runs;
}
