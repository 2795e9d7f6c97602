// Command-line options of `npm run bench`.
import { parseArgs } from 'node:util';

export interface BenchArgs {
  clients: number[];
  broadcasts: number;
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
  out: string;
}

export const SWEEP = [10, 100, 1000, 5000];
export const DEFAULT_TUNE = [8, 16, 32, 64, 128, 256];
export const DEFAULT_VARIANTS = ['ours', 'naive', 'naive-sample', 'sdk-posts', 'bare-posts', 'raw-ws'];

export const USAGE = `npm run bench -- [options]
  --clients N            recipients (default 1000)
  --sweep [A,B,...]      run several client counts (default ${SWEEP.join(',')})
  --broadcasts M         recorded broadcasts per variant (default 20)
  --warmup W             unrecorded broadcasts first (default 3)
  --variants a,b         of ${DEFAULT_VARIANTS.join(', ')} (default all)
  --concurrency C        FANOUT_CONCURRENCY for ours (default: the handlers' own)
  --tune [A,B,...]       compare FANOUT_CONCURRENCY values, ours only (default ${DEFAULT_TUNE.join(',')})
  --workers K[,K...]     simulate fan-out split over K workers (docs/scaling.md)
  --post-latency MS      per-post network delay for --workers and --tune's second pass (default 20)
  --no-bundles           skip bundling the handlers and timing their init
  --no-post-cpu          skip the CPU-per-post comparison (SDK vs functions/connection-poster.ts)
  --no-startup           skip timing \`npm start\`
  --out FILE             JSON results (default bench/results/latest.json)`;

const list = (value: string | undefined, fallback: number[]): number[] =>
  value === undefined || value === '' ? fallback : value.split(',').map((item) => positive(item));

function positive(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`not a positive integer: ${value}`);
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
      broadcasts: { type: 'string' },
      warmup: { type: 'string' },
      variants: { type: 'string' },
      concurrency: { type: 'string' },
      tune: { type: 'string' },
      workers: { type: 'string' },
      'post-latency': { type: 'string' },
      'no-bundles': { type: 'boolean' },
      'no-post-cpu': { type: 'boolean' },
      'no-startup': { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const variants = values.variants ? values.variants.split(',') : DEFAULT_VARIANTS;
  for (const variant of variants) if (!DEFAULT_VARIANTS.includes(variant)) throw new Error(`unknown variant: ${variant}`);
  return {
    clients: values.sweep !== undefined ? list(values.sweep, SWEEP) : [values.clients ? positive(values.clients) : 1000],
    broadcasts: values.broadcasts ? positive(values.broadcasts) : 20,
    warmup: values.warmup === undefined ? 3 : Number(values.warmup),
    variants,
    concurrency: values.concurrency ? positive(values.concurrency) : undefined,
    tune: values.tune !== undefined ? list(values.tune, DEFAULT_TUNE) : [],
    workers: values.workers ? list(values.workers, []) : [],
    postLatencyMs: values['post-latency'] === undefined ? 20 : Number(values['post-latency']),
    bundles: !values['no-bundles'],
    postCpu: !values['no-post-cpu'],
    startup: !values['no-startup'],
    out: values.out ?? 'bench/results/latest.json',
  };
}
