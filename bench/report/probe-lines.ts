// The probes' figures for the terminal: CPU per post, the Scan's capacity as the table grows, the
// handler bundles and their init, `npm start`.
import type { BenchResults } from '../harness.ts';
import { PRICES } from './pricing.ts';
import { fixed, kib, textTable, thousands } from './text-table.ts';

export function formatPostCpu(results: BenchResults): string {
  if (!results.postCpu) return '';
  const { sdkMicros, posterMicros, bareMicros, bareKeepAliveMicros, posts, rounds } = results.postCpu;
  return (
    `\nCPU per postToConnection in the posting process (${posts} posts per round to a sink in another process; median of rounds 2–${rounds.sdk.length}):\n` +
    `  SDK PostToConnectionCommand ${fixed(sdkMicros, 0)} µs (${rounds.sdk.map((v) => v.toFixed(0)).join(' ')}), ` +
    `ours (connection-poster) ${fixed(posterMicros, 0)} µs (${rounds.poster.map((v) => v.toFixed(0)).join(' ')}): ${fixed(sdkMicros / posterMicros, 1)}× less; ` +
    `unsigned POST through node:http ${fixed(bareMicros, 0)} µs (${rounds.bare.map((v) => v.toFixed(0)).join(' ')}), ` +
      `through keep-alive-http ${fixed(bareKeepAliveMicros, 0)} µs (${rounds.bareKeepAlive.map((v) => v.toFixed(0)).join(' ')})`
  );
}

export function formatScanCapacity(results: BenchResults): string {
  if (!results.scanCapacity) return '';
  const { roomMembers, steps } = results.scanCapacity;
  const perMillion = (units: number) => fixed(units * PRICES.dynamodbReadUnit * 1e6, 2);
  const rows = steps.map((step) => [
    step.added,
    thousands(step.items),
    `${step.scan.requests} / ${fixed(step.scan.readUnits)}`,
    perMillion(step.scan.readUnits),
    `${step.query.requests} / ${fixed(step.query.readUnits)}`,
    perMillion(step.query.readUnits),
    fixed(step.scan.readUnits / step.query.readUnits, 1),
  ]);
  const headers = ['table after adding', 'items', 'Scan pages / RCU', 'Scan $/M', 'Query pages / RCU', 'Query $/M', 'Scan/Query'];
  return `\nReading one room's ${thousands(roomMembers)} members as the table grows (naive: Scan of the table; ours: the members-index Query)\n${textTable(headers, rows)}`;
}

export function formatBundles(results: BenchResults): string {
  if (!results.bundles) return '';
  const rows = results.bundles.map((b) => [b.handler, kib(b.bytes), fixed(b.initMs.p50), fixed(b.importMs), fixed(b.firstCallMs), fixed(b.initMs.max), b.firstCall]);
  const headers = ['handler', 'size', 'init p50 ms', 'import', 'first call', 'init max ms', 'the first invocation'];
  return (
    `\nLambda bundles (esbuild, minified ESM). Init = import in a fresh node + its first invocation, against the emulator and a stub ` +
    `@connections over loopback HTTP (no TLS, no network; ${results.bundles[0]?.initMs.runs ?? 0} runs, medians)\n${textTable(headers, rows)}`
  );
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
