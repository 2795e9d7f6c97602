// The benchmark harness end to end at toy size: every variant runs, and the figures it reports are the
// ones it should count (recipients, posts, DynamoDB requests by operation). No timings are asserted.
import { describe, expect, it } from 'vitest';
import { runBench } from '../bench/harness.ts';
import { formatReport } from '../bench/report.ts';
import { evaluateTargets } from '../bench/targets.ts';

const silent = { phase() {}, tick() {}, note() {}, done() {} };

describe('npm run bench, in miniature', () => {
  it('measures every variant and reports its figures', async () => {
    const results = await runBench(
      {
        clients: [5],
        broadcasts: 2,
        warmup: 1,
        variants: ['ours', 'naive', 'naive-sample', 'floor'],
        concurrency: undefined,
        tune: [],
        workers: [2],
        postLatencyMs: 1,
        bundles: false,
        postCpu: false,
        startup: false,
        out: '',
      },
      silent,
    );

    const [size] = results.fanout;
    expect(size?.clients).toBe(5);
    const block = (variant: string) => {
      const found = size?.blocks.find((b) => b.variant === variant);
      if (!found) throw new Error(`no ${variant} block`);
      return found;
    };
    for (const variant of ['ours', 'naive', 'naive-sample', 'floor']) {
      const { summary, samples } = block(variant);
      expect(samples, variant).toHaveLength(2);
      expect(summary.incomplete, variant).toBe(0);
      expect(summary.recipients, variant).toBe(5);
      expect(summary.duplicates, variant).toBe(0);
      expect(summary.deliveryMs.p50, variant).toBeGreaterThan(0);
    }
    // Ours: one post per recipient, the members Query (never a Scan), and a handler duration.
    expect(block('ours').summary.postsPerRecipient).toBe(1);
    expect(block('ours').summary.dynamoRequestsByOperation.Query).toBe(1);
    expect(block('ours').summary.dynamoRequestsByOperation.Scan).toBeUndefined();
    expect(block('ours').summary.readUnitsPerMessage).toBeGreaterThan(0);
    expect(block('ours').summary.handlerMs?.p50).toBeGreaterThan(0);
    // The references: one Scan each, a post per connection found.
    expect(block('naive').summary.dynamoRequestsByOperation).toEqual({ Scan: 1 });
    expect(block('naive').summary.postsPerRecipient).toBe(1);
    expect(block('naive-sample').summary.dynamoRequestsByOperation).toEqual({ Scan: 1 });
    // The floor: no handler, no database, no HTTP.
    expect(block('floor').summary.postsPerMessage).toBe(0);
    expect(block('floor').summary.dynamoRequestsPerMessage).toBe(0);
    expect(block('floor').summary.handlerMs).toBeNull();

    // The split simulation reached everyone through its workers.
    const split = results.split?.sizes[0]?.blocks[0];
    expect(split?.label).toBe('split-2');
    expect(split?.summary.incomplete).toBe(0);
    expect(split?.summary.postsPerRecipient).toBe(1);

    const targets = evaluateTargets(results);
    expect(targets.find((t) => t.name.startsWith('exactly one postToConnection'))?.pass).toBe(true);
    const report = formatReport(results, targets);
    expect(report).toContain('ours/naive');
    expect(report).toContain('Targets');
  });
});
