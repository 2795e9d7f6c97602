// Command-line options of `npm run bench`.
import { parseArgs } from 'node:util';

export interface BenchArgs {
  /** Recipient counts, one fan-out run set each. */
  clients: number[];
  /** Independent runs per client count (fresh environment and clients); undefined = runsAt's default. */
  runs: number | undefined;
  /** Recorded broadcasts per variant and run; undefined = broadcastsAt's default. */
  broadcasts: number | undefined;
  warmup: number;
  variants: string[];
  /** FANOUT_CONCURRENCY for ours; undefined = the handlers' default. */
  concurrency: number | undefined;
  /** Concurrency values to compare (ours only), or empty. */
  tune: number[];
  /** Worker counts for the split simulation, or empty. */
  workers: number[];
  postLatencyMs: number;
  bundles: boolean;
  /** CPU per postToConnection, SDK vs the fan-out's poster. */
  postCpu: boolean;
  startup: boolean;
  /** Members of the measured room in the Scan-capacity probe (bench/probes/scan-capacity.ts), or null to skip it. */
  scanRoom: number | null;
  /** The local gateway under a flood (bench/probes/flood.ts): fairness and refusal throughput. */
  flood: boolean;
  out: string;
}

export const SWEEP = [10, 100, 1000, 5000];
export const DEFAULT_TUNE = [8, 16, 32, 64, 128, 256];
export const DEFAULT_VARIANTS = ['ours', 'naive', 'naive-sample', 'naive-bounded', 'sdk-posts', 'sdk-unbounded', 'bare-posts', 'raw-ws'];

/** From this many recipients on, one run of fewer broadcasts by default: a round of all eight variants takes ≈20 s there. */
const LARGE = 5000;
const RUNS = 3;
const BROADCASTS = 20;
const LARGE_RUNS = 1;
const LARGE_BROADCASTS = 10;
const SCAN_ROOM = 1000;

export const runsAt = (args: Pick<BenchArgs, 'runs'>, clients: number): number => args.runs ?? (clients >= LARGE ? LARGE_RUNS : RUNS);
export const broadcastsAt = (args: Pick<BenchArgs, 'broadcasts'>, clients: number): number =>
  args.broadcasts ?? (clients >= LARGE ? LARGE_BROADCASTS : BROADCASTS);

export const USAGE = `npm run bench -- [options]
  --sweep A,B,...        client counts (default ${SWEEP.join(',')})
  --clients N            one client count instead of the sweep
  --runs R               independent runs per client count, figures are their medians
                         (default ${RUNS}; ${LARGE_RUNS} from ${LARGE.toLocaleString('en-US')} recipients)
  --broadcasts M         recorded broadcasts per variant and run (default ${BROADCASTS}; ${LARGE_BROADCASTS} from ${LARGE.toLocaleString('en-US')})
  --warmup W             unrecorded broadcasts per variant and run first (default 3)
  --variants a,b         of ${DEFAULT_VARIANTS.join(', ')} (default all)
  --concurrency C        FANOUT_CONCURRENCY for ours (default: the handlers' own)
  --tune [A,B,...]       compare FANOUT_CONCURRENCY values, ours only (default ${DEFAULT_TUNE.join(',')})
  --workers K[,K...]     simulate fan-out split over K workers (docs/scaling.md)
  --post-latency MS      per-post network delay for --workers and --tune's second pass (default 20)
  --scan-room N          members of the room in the Scan-capacity probe (default ${SCAN_ROOM})
  --no-scan              skip the Scan-capacity probe
  --no-flood             skip the flood probe (an honest /nick while 6 connections flood the local gateway)
  --no-bundles           skip bundling the handlers and timing their init
  --no-post-cpu          skip the CPU-per-post comparison (SDK vs functions/connection-poster.ts)
  --no-startup           skip timing \`npm start\`
  --quick                a smoke run of seconds: 10 and 100 clients, 1 run of 5 broadcasts, 1 warm-up,
                         a 10-member Scan probe, no bundles, CPU per post, start-up or flood (--clients, --sweep,
                         --runs, --broadcasts, --warmup and --scan-room given with it still apply)
  --out FILE             JSON results (default bench/results/latest.json)`;

const list = (value: string | undefined, fallback: number[], name: string): number[] =>
  value === undefined || value === '' ? fallback : value.split(',').map((item) => positive(item, name));

function positive(value: string, name: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`--${name}: not a positive integer: ${value}`);
  return parsed;
}

function nonNegative(value: string, name: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${name}: not a whole number ≥ 0: ${value}`);
  return parsed;
}

/** `--sweep` and `--tune` take an optional list: a following `--flag` (or nothing) means the default. */
function optionalList(argv: string[], name: string): string[] {
  const at = argv.indexOf(`--${name}`);
  if (at >= 0 && (argv[at + 1] === undefined || argv[at + 1]?.startsWith('--'))) argv.splice(at + 1, 0, '');
  return argv;
}

export function parseBenchArgs(raw: string[]): BenchArgs | 'help' {
  const argv = optionalList(optionalList([...raw], 'sweep'), 'tune');
  const { values } = parseArgs({
    args: argv,
    options: {
      clients: { type: 'string' },
      sweep: { type: 'string' },
      runs: { type: 'string' },
      broadcasts: { type: 'string' },
      warmup: { type: 'string' },
      variants: { type: 'string' },
      concurrency: { type: 'string' },
      tune: { type: 'string' },
      workers: { type: 'string' },
      'post-latency': { type: 'string' },
      'scan-room': { type: 'string' },
      'no-scan': { type: 'boolean' },
      'no-bundles': { type: 'boolean' },
      'no-post-cpu': { type: 'boolean' },
      'no-startup': { type: 'boolean' },
      'no-flood': { type: 'boolean' },
      quick: { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  if (values.clients !== undefined && values.sweep !== undefined) throw new Error('--clients and --sweep: give one of them');
  const variants = values.variants ? values.variants.split(',') : DEFAULT_VARIANTS;
  for (const variant of variants) if (!DEFAULT_VARIANTS.includes(variant)) throw new Error(`unknown variant: ${variant}`);
  const quick = values.quick === true;
  const sizes = quick ? [10, 100] : SWEEP;
  return {
    clients: values.clients !== undefined ? [positive(values.clients, 'clients')] : list(values.sweep, sizes, 'sweep'),
    runs: values.runs !== undefined ? positive(values.runs, 'runs') : quick ? 1 : undefined,
    broadcasts: values.broadcasts !== undefined ? positive(values.broadcasts, 'broadcasts') : quick ? 5 : undefined,
    warmup: values.warmup !== undefined ? nonNegative(values.warmup, 'warmup') : quick ? 1 : 3,
    variants,
    concurrency: values.concurrency ? positive(values.concurrency, 'concurrency') : undefined,
    tune: values.tune !== undefined ? list(values.tune, DEFAULT_TUNE, 'tune') : [],
    workers: values.workers ? list(values.workers, [], 'workers') : [],
    postLatencyMs: values['post-latency'] === undefined ? 20 : nonNegative(values['post-latency'], 'post-latency'),
    bundles: !values['no-bundles'] && !quick,
    postCpu: !values['no-post-cpu'] && !quick,
    startup: !values['no-startup'] && !quick,
    scanRoom: values['no-scan'] ? null : values['scan-room'] !== undefined ? positive(values['scan-room'], 'scan-room') : quick ? 10 : SCAN_ROOM,
    flood: !values['no-flood'] && !quick,
    out: values.out ?? 'bench/results/latest.json',
  };
}
