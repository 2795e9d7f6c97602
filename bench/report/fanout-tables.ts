// The fan-out figures as terminal tables: each client count's variants, the sweep across client
// counts (delivery, ratios to bare-posts, DynamoDB per broadcast), the concurrency tuning and the split.
import type { BenchResults, BlockResult, SizeResult } from '../harness.ts';
import { broadcastCost } from './pricing.ts';
import { splitOverBare } from './stats.ts';
import { fixed, signed, textTable, thousands } from './text-table.ts';

const SWEEP_VARIANTS = ['ours', 'naive', 'naive-sample', 'naive-bounded', 'sdk-posts', 'sdk-unbounded', 'bare-posts', 'raw-ws'];

const byOperation = (ops: Record<string, number>) =>
  Object.entries(ops)
    .map(([operation, count]) => `${operation} ${fixed(count, count % 1 ? 1 : 0)}`)
    .join(', ') || '-';

const find = (size: SizeResult, variant: string): BlockResult | undefined => size.blocks.find((b) => b.variant === variant);
const p50 = (size: SizeResult, variant: string) => find(size, variant)?.summary.deliveryMs.p50 ?? Number.NaN;

/** "1.2–1.9": the 1-minute load averages the runs of one client count started at. */
export function loadRange(size: SizeResult): string {
  const loads = size.runs.map((run) => run.loadAverageAtStart[0] ?? Number.NaN);
  const low = Math.min(...loads);
  const high = Math.max(...loads);
  return low === high ? fixed(low) : `${fixed(low)}–${fixed(high)}`;
}

function variantRow(result: BlockResult): string[] {
  const s = result.summary;
  const cost = broadcastCost(s.readUnitsPerMessage, s.writeUnitsPerMessage, s.postsPerMessage, s.handlerMs?.p50 ?? 0);
  return [
    result.label,
    fixed(s.deliveryMs.p50),
    fixed(s.deliveryMs.p95),
    result.perRun.length > 1 ? result.perRun.map((run) => fixed(run.p50, 0)).join(' ') : '-',
    fixed(s.deliveryMs.max),
    fixed(s.handlerMs?.p50),
    fixed(s.toFirstPostMs),
    fixed(s.postingMs),
    fixed(s.postsPerRecipient, 2),
    fixed(s.dynamoRequestsPerMessage, 1),
    fixed(s.readUnitsPerMessage, 1),
    fixed(s.writeUnitsPerMessage, 1),
    result.variant === 'raw-ws' ? '-' : `${fixed(cost.dynamodb * 1e6, 2)}`,
    thousands(s.deliveriesPerSecond),
    result.heap ? fixed(result.heap.growthPerBroadcast / 1024, 1) : '-',
  ];
}

const VARIANT_HEADERS = [
  'variant',
  'p50 ms',
  'p95 ms',
  'p50 per run',
  'max ms',
  'handler p50',
  'to 1st post',
  'posting',
  'posts/recip',
  'DDB req/msg',
  'RCU/msg',
  'WCU/msg',
  'DDB $/M msgs',
  'deliveries/s',
  'heap KiB/msg',
];

export function formatSize(size: SizeResult): string {
  const setup = size.runs.map((run) => (run.setupMs / 1000).toFixed(1)).join(', ');
  const lines = [
    `\n${size.clients.toLocaleString('en-US')} recipients · ${size.runs.length} run(s) × ${size.broadcasts} broadcasts per variant · load ${loadRange(size)} · setup (connect + log in) ${setup} s`,
    textTable(VARIANT_HEADERS, size.blocks.map(variantRow)),
  ];
  for (const result of size.blocks) {
    if (result.variant !== 'raw-ws') lines.push(`  ${result.label.padEnd(13)} DynamoDB per broadcast: ${byOperation(result.summary.dynamoRequestsByOperation)}`);
    if (result.summary.incomplete) lines.push(`  ${result.label}: ${result.summary.incomplete} broadcasts did not reach everyone in time`);
  }
  const bare = find(size, 'bare-posts');
  if (bare) {
    for (const other of size.blocks.filter((b) => b !== bare)) {
      lines.push(`  ${other.label.padEnd(13)}/bare-posts p50 ${fixed(other.summary.deliveryMs.p50 / bare.summary.deliveryMs.p50, 2)}×`);
    }
  }
  const ours = find(size, 'ours');
  const naive = find(size, 'naive');
  if (ours && naive) lines.push(`  naive/ours p50 ${fixed(naive.summary.deliveryMs.p50 / ours.summary.deliveryMs.p50, 2)}×`);
  if (ours && bare) {
    const { beforeMs, posting } = splitOverBare(ours.summary, bare.summary);
    lines.push(`  ours over bare-posts: ${signed(beforeMs)} ms before the first post, posting (first → last post) ${fixed(posting, 2)}× bare-posts'`);
  }
  return lines.join('\n');
}

export function formatSweep(results: BenchResults): string {
  if (results.fanout.length < 2) return '';
  const variants = SWEEP_VARIANTS.filter((variant) => results.fanout.some((size) => find(size, variant)));
  const ratio = (size: SizeResult, variant: string, to: string) => fixed(p50(size, variant) / p50(size, to), 2);
  const rows = results.fanout.map((size) => {
    const over = splitOverBare(find(size, 'ours')?.summary, find(size, 'bare-posts')?.summary);
    return [
      thousands(size.clients),
      `${size.runs.length}×${size.broadcasts}`,
      loadRange(size),
      ...variants.map((variant) => {
        const d = find(size, variant)?.summary.deliveryMs;
        return d ? `${fixed(d.p50)} / ${fixed(d.p95)}` : '-';
      }),
      ratio(size, 'ours', 'bare-posts'),
      ratio(size, 'naive', 'bare-posts'),
      ratio(size, 'sdk-posts', 'bare-posts'),
      ratio(size, 'naive', 'ours'),
      signed(over.beforeMs),
      fixed(over.posting, 2),
    ];
  });
  const headers = ['recipients', 'runs×msgs', 'load', ...variants, 'ours/bare', 'naive/bare', 'sdk/bare', 'naive/ours', 'ours−bare ms to 1st post', 'posting ours/bare'];
  return [
    '\nSweep: p50 / p95 ms, send → last receipt, medians of the runs (raw-ws is a bare WebSocket server, not API Gateway)',
    textTable(headers, rows),
    formatDynamoSweep(results),
  ].join('\n');
}

/** DynamoDB requests and capacity per broadcast, ours against the two Scans, at every client count. */
function formatDynamoSweep(results: BenchResults): string {
  const rows = results.fanout.map((size) => {
    const ours = find(size, 'ours')?.summary;
    const naive = find(size, 'naive')?.summary;
    const sample = find(size, 'naive-sample')?.summary;
    const dollars = (s: typeof ours) => (s ? fixed(broadcastCost(s.readUnitsPerMessage, s.writeUnitsPerMessage, 0, 0).dynamodb * 1e6, 2) : '-');
    return [
      thousands(size.clients),
      ours ? byOperation(ours.dynamoRequestsByOperation) : '-',
      ours ? `${fixed(ours.readUnitsPerMessage)} + ${fixed(ours.writeUnitsPerMessage)}` : '-',
      dollars(ours),
      naive ? byOperation(naive.dynamoRequestsByOperation) : '-',
      fixed(naive?.readUnitsPerMessage),
      dollars(naive),
      fixed(sample?.readUnitsPerMessage),
    ];
  });
  const headers = ['recipients', 'ours requests', 'ours RCU + WCU', 'ours $/M', 'naive requests', 'naive RCU', 'naive $/M', 'naive-sample RCU'];
  return `\nDynamoDB per broadcast (a table of the room's members only; bench/probes/scan-capacity.ts grows it)\n${textTable(headers, rows)}`;
}

export function formatTuning(results: BenchResults): string {
  return results.tuning
    .map((run) => {
      const rows = run.blocks.map((b) => [
        String(b.concurrency),
        fixed(b.summary.deliveryMs.p50),
        fixed(b.summary.deliveryMs.p99),
        fixed(b.summary.handlerMs?.p50),
        thousands(b.summary.deliveriesPerSecond),
      ]);
      const where = run.postLatencyMs ? `each post delayed ${run.postLatencyMs} ms (an AWS-like round trip)` : 'no added latency (CPU-bound)';
      return `\nFANOUT_CONCURRENCY, ${thousands(run.clients)} recipients, ${where}\n${textTable(['in flight', 'p50 ms', 'p99 ms', 'handler p50', 'deliveries/s'], rows)}`;
    })
    .join('\n');
}

export function formatSplit(results: BenchResults): string {
  if (!results.split) return '';
  const labels = results.split.sizes[0]?.blocks.map((b) => b.label) ?? [];
  const rows = results.split.sizes.map((size) => [thousands(size.clients), ...size.blocks.map((b) => fixed(b.summary.deliveryMs.p50))]);
  return `\nSplit fan-out (p50 ms to the last recipient; each post delayed ${results.split.postLatencyMs} ms; workers share this one CPU)\n${textTable(['recipients', ...labels], rows)}`;
}
