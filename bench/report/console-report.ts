// The terminal report: one table per client count with every variant's ratio to bare-posts (the floor
// of posting through API Gateway) and naive/ours, then the sweep, tuning and split tables, CPU per post,
// bundles, start-up, and the targets (MET/MISS).
import type { BenchResults, BlockResult, SizeResult } from '../harness.ts';
import { broadcastCost } from './pricing.ts';
import type { Target } from './targets.ts';
import { fixed, kib, textTable, thousands } from './text-table.ts';

const byOperation = (ops: Record<string, number>) =>
  Object.entries(ops)
    .map(([operation, count]) => `${operation} ${fixed(count, count % 1 ? 1 : 0)}`)
    .join(', ') || '-';

function variantRow(result: BlockResult): string[] {
  const s = result.summary;
  const cost = broadcastCost(s.readUnitsPerMessage, s.writeUnitsPerMessage, s.postsPerMessage, s.handlerMs?.p50 ?? 0);
  return [
    result.label,
    fixed(s.deliveryMs.p50),
    fixed(s.deliveryMs.p95),
    fixed(s.deliveryMs.max),
    fixed(s.handlerMs?.p50),
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
  'max ms',
  'handler p50',
  'posts/recip',
  'DDB req/msg',
  'RCU/msg',
  'WCU/msg',
  'DDB $/M msgs',
  'deliveries/s',
  'heap KiB/msg',
];

export function formatSize(size: SizeResult, broadcasts: number): string {
  const lines = [
    `\n${size.clients.toLocaleString('en-US')} recipients · ${broadcasts} broadcasts per variant · setup (connect + log in) ${(size.setupMs / 1000).toFixed(1)} s`,
    textTable(VARIANT_HEADERS, size.blocks.map(variantRow)),
  ];
  for (const result of size.blocks) {
    if (result.variant !== 'raw-ws') lines.push(`  ${result.label.padEnd(13)} DynamoDB per broadcast: ${byOperation(result.summary.dynamoRequestsByOperation)}`);
    if (result.summary.incomplete) lines.push(`  ${result.label}: ${result.summary.incomplete} broadcasts did not reach everyone in time`);
  }
  const bare = size.blocks.find((b) => b.variant === 'bare-posts');
  if (bare) {
    for (const other of size.blocks.filter((b) => b !== bare)) {
      lines.push(`  ${other.label.padEnd(13)}/bare-posts p50 ${fixed(other.summary.deliveryMs.p50 / bare.summary.deliveryMs.p50, 2)}×`);
    }
  }
  const ours = size.blocks.find((b) => b.variant === 'ours');
  const naive = size.blocks.find((b) => b.variant === 'naive');
  if (ours && naive) lines.push(`  naive/ours p50 ${fixed(naive.summary.deliveryMs.p50 / ours.summary.deliveryMs.p50, 2)}×`);
  return lines.join('\n');
}

export function formatSweep(results: BenchResults): string {
  if (results.fanout.length < 2) return '';
  const variants = ['ours', 'naive', 'naive-sample', 'sdk-posts', 'bare-posts', 'raw-ws'];
  const delivery = (size: SizeResult, variant: string) => size.blocks.find((b) => b.variant === variant)?.summary.deliveryMs;
  const p50 = (size: SizeResult, variant: string) => delivery(size, variant)?.p50 ?? Number.NaN;
  const rows = results.fanout.map((size) => {
    const ours = size.blocks.find((b) => b.variant === 'ours');
    return [
      thousands(size.clients),
      ...variants.map((variant) => {
        const d = delivery(size, variant);
        return d ? `${fixed(d.p50)} / ${fixed(d.p95)}` : '-';
      }),
      fixed(p50(size, 'ours') / p50(size, 'bare-posts'), 2),
      fixed(p50(size, 'naive') / p50(size, 'bare-posts'), 2),
      fixed(p50(size, 'sdk-posts') / p50(size, 'bare-posts'), 2),
      fixed(p50(size, 'naive') / p50(size, 'ours'), 2),
      fixed(ours?.summary.dynamoRequestsPerMessage, 1),
      ours?.heap ? `${(ours.heap.after / 1024 / 1024).toFixed(1)} MiB (${fixed(ours.heap.growthPerBroadcast / 1024, 1)}/msg)` : '-',
    ];
  });
  const headers = ['recipients', ...variants, 'ours/bare', 'naive/bare', 'sdk/bare', 'naive/ours', 'ours DDB req', 'heap after GC (KiB growth)'];
  return `\nSweep (p50 / p95 ms, send → last receipt; raw-ws is a bare WebSocket server, not API Gateway)\n${textTable(headers, rows)}`;
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

export function formatBundles(results: BenchResults): string {
  if (!results.bundles) return '';
  const rows = results.bundles.map((b) => [b.handler, kib(b.bytes), fixed(b.initMs.p50), fixed(b.initMs.max)]);
  return `\nLambda bundles (esbuild, minified ESM; init = import in a fresh node, ${results.bundles[0]?.initMs.runs ?? 0} runs)\n${textTable(['handler', 'size', 'init p50 ms', 'init max ms'], rows)}`;
}

export function formatStartup(results: BenchResults): string {
  if (!results.startup) return '';
  const { readyMs, listeningMs, selfReportedMs, withoutNpmMs } = results.startup;
  const runs = (values: number[]) => values.map((ms) => ms.toFixed(0)).join(', ');
  return [
    `\nnpm start → first accepted handshake: median ${fixed(readyMs.p50, 0)} ms (runs ${runs(readyMs.runs)})`,
    `  → its "listening" line: ${runs(listeningMs)} ms; the server's own "ready in": ${runs(selfReportedMs)} ms`,
    `  the same node command without npm → first handshake: ${runs(withoutNpmMs)} ms`,
  ].join('\n');
}

export function formatPostCpu(results: BenchResults): string {
  if (!results.postCpu) return '';
  const { sdkMicros, posterMicros, bareMicros, posts, rounds } = results.postCpu;
  return (
    `\nCPU per postToConnection in the posting process (${posts} posts per round to a sink in another process; median of rounds 2–${rounds.sdk.length}):\n` +
    `  SDK PostToConnectionCommand ${fixed(sdkMicros, 0)} µs (${rounds.sdk.map((v) => v.toFixed(0)).join(' ')}), ` +
    `connection-poster ${fixed(posterMicros, 0)} µs (${rounds.poster.map((v) => v.toFixed(0)).join(' ')}): ${fixed(sdkMicros / posterMicros, 1)}× less; ` +
    `unsigned POST ${fixed(bareMicros, 0)} µs (${rounds.bare.map((v) => v.toFixed(0)).join(' ')})`
  );
}

export function formatTargets(targets: Target[]): string {
  const mark = (pass: boolean | null) => (pass === null ? '   ?' : pass ? ' MET' : 'MISS');
  return `\nTargets\n${targets.map((t) => `${mark(t.pass)}  ${t.name}\n        ${t.detail}`).join('\n')}`;
}

export function formatReport(results: BenchResults, targets: Target[]): string {
  const { machine } = results;
  return [
    `wschat fan-out benchmark · ${machine.cpus} × ${machine.model} · node ${machine.node} · load ${machine.loadAverageAtStart.map((l) => l.toFixed(1)).join(' ')}`,
    ...results.fanout.map((size) => formatSize(size, results.options.broadcasts)),
    formatSweep(results),
    formatTuning(results),
    formatSplit(results),
    formatPostCpu(results),
    formatBundles(results),
    formatStartup(results),
    formatTargets(targets),
  ]
    .filter(Boolean)
    .join('\n');
}
