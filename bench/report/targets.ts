// The fan-out targets of the benchmark (docs/scaling.md), checked against the figures: every timing is a
// median (a delivery time is the median of the runs' medians of their broadcasts; CPU per post, of the
// CPU rounds; init and start-up, of their runs). A target that
// cannot be judged from this run (e.g. no 1,000-client run) is reported as such, not as passed.
import type { BenchResults, BlockResult, SizeResult } from '../harness.ts';
import { broadcastCost } from './pricing.ts';
import { splitOverBare } from './stats.ts';
import { signed } from './text-table.ts';

export interface Target {
  name: string;
  pass: boolean | null;
  detail: string;
}

const INIT_BUDGET_MS = 100;
const STARTUP_BUDGET_MS = 1200;
const CPU_PER_POST_BUDGET_MICROS = 120;
/** Ours at 1,000 recipients against one unsigned POST per recipient through the same gateway. */
const OVER_BARE_POSTS = 1.3;
const OVER_NAIVE = 2.5;
/** Heap growth per broadcast that still counts as flat: GC noise, not retention. */
const FLAT_HEAP_BYTES_PER_BROADCAST = 16 * 1024;

const block = (size: SizeResult | undefined, variant: string): BlockResult | undefined => size?.blocks.find((b) => b.variant === variant);

/** DynamoDB cost of a million of a block's average broadcast, in dollars. */
const dynamoMicros = (result: BlockResult) => broadcastCost(result.summary.readUnitsPerMessage, result.summary.writeUnitsPerMessage, 0, 0).dynamodb * 1e6;

export function evaluateTargets(results: BenchResults): Target[] {
  const targets: Target[] = [];
  const at1000 = results.fanout.find((size) => size.clients === 1000);
  const ours = block(at1000, 'ours');
  const naive = block(at1000, 'naive');
  const bare = block(at1000, 'bare-posts');

  if (results.postCpu) {
    const { posterMicros, sdkMicros } = results.postCpu;
    targets.push({
      name: `CPU per post ≤ ${CPU_PER_POST_BUDGET_MICROS} µs (connection-poster, median)`,
      pass: posterMicros <= CPU_PER_POST_BUDGET_MICROS,
      detail: `${posterMicros.toFixed(0)} µs (SDK command ${sdkMicros.toFixed(0)} µs)`,
    });
  }
  if (ours && bare) {
    const over = ours.summary.deliveryMs.p50 / bare.summary.deliveryMs.p50;
    const split = splitOverBare(ours.summary, bare.summary);
    targets.push({
      name: `ours ≤ ${OVER_BARE_POSTS}× bare-posts at p50, 1,000 recipients`,
      pass: over <= OVER_BARE_POSTS,
      detail:
        `${ours.summary.deliveryMs.p50.toFixed(0)} ms vs ${bare.summary.deliveryMs.p50.toFixed(0)} ms: ${over.toFixed(2)}×; ` +
        `of which ${signed(split.beforeMs, 0)} ms before the first post (DynamoDB, chat code), posting ${split.posting.toFixed(2)}× bare-posts'`,
    });
  } else {
    targets.push({ name: 'ours vs bare-posts at 1,000 recipients', pass: null, detail: 'needs a 1,000-client run with ours and bare-posts' });
  }
  if (ours && naive) {
    const speedup = naive.summary.deliveryMs.p50 / ours.summary.deliveryMs.p50;
    targets.push({
      name: `naive/ours ≥ ${OVER_NAIVE}× at p50, 1,000 recipients`,
      pass: speedup >= OVER_NAIVE,
      detail: `${ours.summary.deliveryMs.p50.toFixed(0)} ms vs ${naive.summary.deliveryMs.p50.toFixed(0)} ms: ${speedup.toFixed(2)}×`,
    });
    const oursCost = dynamoMicros(ours);
    const naiveCost = dynamoMicros(naive);
    targets.push({
      name: 'less DynamoDB capacity per message than naive, 1,000 recipients',
      pass: oursCost < naiveCost,
      detail:
        `ours ${ours.summary.readUnitsPerMessage.toFixed(1)} RCU + ${ours.summary.writeUnitsPerMessage.toFixed(1)} WCU = $${oursCost.toFixed(2)} per million broadcasts` +
        ` vs naive ${naive.summary.readUnitsPerMessage.toFixed(1)} RCU + ${naive.summary.writeUnitsPerMessage.toFixed(1)} WCU = $${naiveCost.toFixed(2)}`,
    });
  } else {
    targets.push({ name: 'ours vs naive at 1,000 recipients', pass: null, detail: 'needs a 1,000-client run with ours and naive' });
  }

  for (const size of results.fanout) {
    const result = block(size, 'ours');
    if (!result) continue;
    const { summary } = result;
    targets.push({
      name: `exactly one postToConnection per recipient (${size.clients} recipients)`,
      pass: summary.postsPerRecipient === 1 && summary.failedPosts === 0 && summary.duplicates === 0 && summary.incomplete === 0,
      detail: `${summary.postsPerRecipient.toFixed(3)} posts per recipient, ${summary.failedPosts} failed, ${summary.duplicates} duplicates, ${summary.incomplete} incomplete broadcasts`,
    });
    // What grows with the room is the members read; the per-message requests (the frame counter, the seq
    // counter, the history write) are the same for 1 recipient or 100,000, so they are reported beside it.
    // Below 1,000 recipients one Query is already more than one per 1,000: the target is about scale.
    if (size.clients < 1000) continue;
    const memberReads = summary.dynamoRequestsByOperation.Query ?? 0;
    const perThousand = memberReads / (size.clients / 1000);
    const fixed = summary.dynamoRequestsPerMessage - memberReads;
    const others = Object.entries(summary.dynamoRequestsByOperation).filter(([op]) => op !== 'Query');
    targets.push({
      name: `member reads ≤ 1 Query per 1,000 recipients (${size.clients} recipients)`,
      pass: perThousand <= 1,
      detail:
        `${memberReads.toFixed(1)} Query per broadcast = ${perThousand.toFixed(2)} per 1,000 (a short first page, then pages growing 4×); ` +
        `beside them ${fixed.toFixed(1)} fixed per message (${others.map(([op, n]) => `${op} ${n.toFixed(1)}`).join(', ')}); ` +
        `${summary.readUnitsPerMessage.toFixed(1)} RCU + ${summary.writeUnitsPerMessage.toFixed(1)} WCU`,
    });
  }

  const heaps = results.fanout.flatMap((size) => {
    const heap = block(size, 'ours')?.heap;
    return heap ? [{ clients: size.clients, heap }] : [];
  });
  if (heaps.length) {
    const worst = Math.max(...heaps.map(({ heap }) => heap.growthPerBroadcast));
    targets.push({
      name: 'handler heap flat (no per-message growth)',
      pass: worst <= FLAT_HEAP_BYTES_PER_BROADCAST,
      detail: heaps.map(({ clients, heap }) => `${clients}: ${(heap.growthPerBroadcast / 1024).toFixed(1)} KiB/broadcast`).join(', '),
    });
  } else {
    targets.push({ name: 'handler heap flat', pass: null, detail: 'needs node --expose-gc (npm run bench passes it)' });
  }

  if (results.bundles) {
    const slowest = Math.max(...results.bundles.map((bundle) => bundle.initMs.p50));
    targets.push({
      name: `every handler's init (import + first invocation, loopback) < ${INIT_BUDGET_MS} ms`,
      pass: slowest < INIT_BUDGET_MS,
      detail: results.bundles.map((bundle) => `${bundle.handler} ${bundle.initMs.p50.toFixed(0)} ms`).join(', '),
    });
  }
  if (results.startup) {
    targets.push({
      name: `npm start accepts connections < ${STARTUP_BUDGET_MS} ms`,
      pass: results.startup.readyMs.p50 < STARTUP_BUDGET_MS,
      detail: `median ${results.startup.readyMs.p50.toFixed(0)} ms (runs ${results.startup.readyMs.runs.map((ms) => ms.toFixed(0)).join(', ')})`,
    });
  }
  // The flood probe's own targets (bench/probes/flood.ts decides them), in the one list.
  for (const target of results.flood?.targets ?? []) {
    targets.push({ name: target.name, pass: target.met, detail: `${Math.round(target.value).toLocaleString('en-US')} (target ${target.target})` });
  }
  return targets;
}
