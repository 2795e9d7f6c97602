// The benchmark's options: the sweep's per-size defaults, the quick mode and what overrides it.
import { describe, expect, it } from 'vitest';
import { broadcastsAt, parseBenchArgs, runsAt, SWEEP, type BenchArgs } from '../bench/args.ts';

function parsed(argv: string[]): BenchArgs {
  const args = parseBenchArgs(argv);
  if (args === 'help') throw new Error('parsed as --help');
  return args;
}

describe('npm run bench options', () => {
  it('sweeps every size by default, with fewer runs and broadcasts from 5,000 recipients', () => {
    const args = parsed([]);
    expect(args.clients).toEqual(SWEEP);
    expect([runsAt(args, 1000), broadcastsAt(args, 1000)]).toEqual([3, 20]);
    expect([runsAt(args, 5000), broadcastsAt(args, 5000)]).toEqual([1, 10]);
    expect(args).toMatchObject({ bundles: true, postCpu: true, startup: true, scanRoom: 1000, flood: true });
  });

  it('applies --runs and --broadcasts to every size', () => {
    const args = parsed(['--sweep', '100,5000', '--runs', '2', '--broadcasts', '4']);
    expect(args.clients).toEqual([100, 5000]);
    for (const clients of args.clients) expect([runsAt(args, clients), broadcastsAt(args, clients)]).toEqual([2, 4]);
  });

  it('has a quick mode whose sizes and counts can still be set', () => {
    const quick = parsed(['--quick']);
    expect(quick).toMatchObject({ clients: [10, 100], runs: 1, broadcasts: 5, warmup: 1, scanRoom: 10, bundles: false, postCpu: false, startup: false, flood: false });
    expect(parsed(['--quick', '--clients', '5', '--runs', '2', '--scan-room', '3'])).toMatchObject({ clients: [5], runs: 2, scanRoom: 3 });
    expect(parsed(['--no-scan']).scanRoom).toBeNull();
  });

  it('refuses what it cannot run, naming the option', () => {
    expect(() => parsed(['--clients', '10', '--sweep', '10,100'])).toThrow('--clients and --sweep');
    expect(() => parsed(['--runs', '0'])).toThrow('--runs: not a positive integer: 0');
    expect(() => parsed(['--warmup', '-1'])).toThrow('--warmup');
    expect(() => parsed(['--sweep', '10,x'])).toThrow('--sweep: not a positive integer: x');
    expect(() => parsed(['--variants', 'ours,fast'])).toThrow('unknown variant: fast');
  });
});
