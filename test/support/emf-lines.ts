// The EMF lines Powertools Metrics writes on stdout (functions/metrics.ts), caught per test: everything
// else written to stdout goes through.
import { afterEach, beforeEach, vi } from 'vitest';
import { METRICS, type MetricKey } from '../../functions/metrics.ts';

export interface EmfLine {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  stage: string;
  route: string;
  [metric: string]: unknown;
}

export interface EmfLines {
  /** The lines written since the test began, or since `clear`. */
  readonly lines: readonly EmfLine[];
  clear(): void;
  /** Every value of `metric` on the lines of `route` (a `sum` metric: one per line; a `sample` one: all). */
  valuesOf(metric: MetricKey, route: string): number[];
  /** Their total. */
  total(metric: MetricKey, route: string): number;
}

/** Catches the EMF lines of each test of the file it is called in. */
export function useEmfLines(): EmfLines {
  let lines: EmfLine[] = [];
  beforeEach(() => {
    lines = [];
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const emf = text.startsWith('{"_aws"') ? parseEmf(text) : null;
      if (emf) lines.push(emf);
      else write(chunk);
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  const valuesOf = (metric: MetricKey, route: string): number[] => {
    const name = METRICS[metric].name;
    return lines
      .filter((line) => line.route === route)
      .flatMap((line) => {
        const value = line[name];
        if (typeof value === 'number') return [value];
        return Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : [];
      });
  };
  return {
    get lines() {
      return lines;
    },
    clear: () => {
      lines = [];
    },
    valuesOf,
    total: (metric, route) => valuesOf(metric, route).reduce((sum, value) => sum + value, 0),
  };
}

function parseEmf(text: string): EmfLine | null {
  const value: unknown = JSON.parse(text);
  return isEmfLine(value) ? value : null;
}

function isEmfLine(value: unknown): value is EmfLine {
  return typeof value === 'object' && value !== null && '_aws' in value && 'stage' in value && 'route' in value;
}
