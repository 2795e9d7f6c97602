// The benchmark harness end to end at toy size: every variant runs, and the figures it reports are the
// ones it should count (recipients, posts, DynamoDB requests by operation). No timings are asserted.
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../bench/args.ts';
import { runBench } from '../bench/harness.ts';
import { formatReport } from '../bench/report/console-report.ts';
import { evaluateTargets } from '../bench/report/targets.ts';

const silent = { phase() {}, tick() {}, note() {}, done() {} };

describe('npm run bench, in miniature', () => {
  it('measures every variant and reports its figures', async () => {
    // The quick mode, smaller still; two runs, so the medians across runs are exercised too.
    const args = parseBenchArgs(['--quick', '--clients', '5', '--runs', '2', '--broadcasts', '2', '--workers', '2', '--post-latency', '1', '--scan-room', '5']);
    if (args === 'help') throw new Error('parsed as --help');
    expect(args).toMatchObject({ bundles: false, postCpu: false, startup: false, warmup: 1 });
    const results = await runBench(args, silent);

    const [size] = results.fanout;
    expect(size?.clients).toBe(5);
    const block = (variant: string) => {
      const found = size?.blocks.find((b) => b.variant === variant);
      if (!found) throw new Error(`no ${variant} block`);
      return found;
    };
    expect(size?.runs).toHaveLength(2);
    for (const run of size?.runs ?? []) expect(run.loadAverageAtStart).toHaveLength(3);
    for (const variant of ['ours', 'naive', 'naive-sample', 'naive-bounded', 'sdk-posts', 'sdk-unbounded', 'bare-posts', 'raw-ws']) {
      const { summary, samples, perRun } = block(variant);
      expect(samples, variant).toHaveLength(4);
      expect(perRun, variant).toHaveLength(2);
      expect(summary.incomplete, variant).toBe(0);
      expect(summary.recipients, variant).toBe(5);
      expect(summary.duplicates, variant).toBe(0);
      expect(summary.deliveryMs.p50, variant).toBeGreaterThan(0);
      expect(summary.deliveryMs.p95, variant).toBeGreaterThanOrEqual(summary.deliveryMs.p50);
    }
    // Ours: one post per recipient, the members Query (never a Scan), and a handler duration.
    expect(block('ours').summary.postsPerRecipient).toBe(1);
    expect(block('ours').summary.dynamoRequestsByOperation.Query).toBe(1);
    expect(block('ours').summary.dynamoRequestsByOperation.Scan).toBeUndefined();
    expect(block('ours').summary.readUnitsPerMessage).toBeGreaterThan(0);
    expect(block('ours').summary.handlerMs?.p50).toBeGreaterThan(0);
    // The split of a broadcast's time: before the first post, and the posting (none on the raw-ws floor).
    expect(block('ours').summary.toFirstPostMs).toBeGreaterThan(0);
    expect(block('ours').summary.postingMs).toBeGreaterThanOrEqual(0);
    expect(block('raw-ws').summary.toFirstPostMs).toBeNull();
    // The references: one Scan each, a post per connection found.
    expect(block('naive').summary.dynamoRequestsByOperation).toEqual({ Scan: 1 });
    expect(block('naive').summary.postsPerRecipient).toBe(1);
    expect(block('naive-sample').summary.dynamoRequestsByOperation).toEqual({ Scan: 1 });
    expect(block('naive-bounded').summary.dynamoRequestsByOperation).toEqual({ Scan: 1 });
    expect(block('naive-bounded').summary.postsPerRecipient).toBe(1);
    // The posting references: a post per recipient through the gateway, and no DynamoDB at all.
    for (const variant of ['sdk-posts', 'sdk-unbounded', 'bare-posts']) {
      expect(block(variant).summary.postsPerRecipient, variant).toBe(1);
      expect(block(variant).summary.failedPosts, variant).toBe(0);
      expect(block(variant).summary.dynamoRequestsPerMessage, variant).toBe(0);
      expect(block(variant).summary.handlerMs?.p50, variant).toBeGreaterThan(0);
    }
    // The raw-ws floor: no handler, no database, no HTTP.
    expect(block('raw-ws').summary.postsPerMessage).toBe(0);
    expect(block('raw-ws').summary.dynamoRequestsPerMessage).toBe(0);
    expect(block('raw-ws').summary.handlerMs).toBeNull();

    // The split simulation reached everyone through its workers.
    const split = results.split?.sizes[0]?.blocks[0];
    expect(split?.label).toBe('split-2');
    expect(split?.summary.incomplete).toBe(0);
    expect(split?.summary.postsPerRecipient).toBe(1);

    // The Scan reads the whole table, so its capacity grows with it (in 4 KB units); the members Query reads the room.
    const steps = results.scanCapacity?.steps ?? [];
    expect(steps.length).toBeGreaterThan(2);
    for (const [index, step] of steps.entries()) {
      expect(step.query.members, step.added).toBe(5);
      expect(step.query.readUnits, step.added).toBe(steps[0]?.query.readUnits);
      if (index > 0) expect(step.scan.readUnits, step.added).toBeGreaterThanOrEqual(steps[index - 1]?.scan.readUnits ?? 0);
      if (index > 0) expect(step.items, step.added).toBeGreaterThan(steps[index - 1]?.items ?? 0);
    }
    expect(steps.at(-1)?.scan.readUnits).toBeGreaterThan(steps[0]?.scan.readUnits ?? 0);

    const targets = evaluateTargets(results);
    expect(targets.find((t) => t.name.startsWith('exactly one postToConnection'))?.pass).toBe(true);
    const report = formatReport(results, targets);
    expect(report).toContain('naive/ours');
    expect(report).toContain('/bare-posts');
    expect(report).toContain('Targets');
    expect(report).toContain('load average');
    expect(report).toContain('Scan/Query');
  });
});
