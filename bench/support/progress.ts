// A one-line progress bar on stderr, redrawn in place; silent when stderr is not a terminal (CI, tests).
export interface Progress {
  phase(label: string): void;
  tick(): void;
  /** Prints a line above the bar. */
  note(line: string): void;
  done(): void;
}

const WIDTH = 28;

export function createProgress(total: number, enabled = process.stderr.isTTY === true): Progress {
  let done = 0;
  let label = '';
  const started = performance.now();
  const draw = () => {
    if (!enabled) return;
    const filled = total ? Math.round((done / total) * WIDTH) : 0;
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    process.stderr.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total} broadcasts  ${seconds}s  ${label}`);
  };
  return {
    phase(next) {
      label = next;
      draw();
    },
    tick() {
      done += 1;
      draw();
    },
    note(line) {
      if (enabled) process.stderr.write('\r\x1b[2K');
      console.log(line);
      draw();
    },
    done() {
      if (enabled) process.stderr.write('\r\x1b[2K');
    },
  };
}
