// What every local CLI does with its command line: usage for -h/--help (exit 0), a one-line reason and
// the usage for an unknown or malformed option (exit 2), and `fail` for one-line errors, never a trace.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface CommandLine {
  /** Exits with a one-line message: what went wrong and what to do. */
  fail(message: string, code?: number): never;
  /** `parseArgs(config)`; a `help` option set (declare it in `config`) prints the usage and exits. */
  parse<const T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>>;
}

export function commandLine(name: string, usage: string): CommandLine {
  const fail = (message: string, code = 1): never => {
    console.error(`${name}: ${message}`);
    process.exit(code);
  };
  return {
    fail,
    parse(config) {
      let parsed;
      try {
        parsed = parseArgs(config);
      } catch (error) {
        // Node's message names the option; the usage says what exists.
        return fail(`${error instanceof Error ? error.message : String(error)}\n${usage}`, 2);
      }
      if ('help' in parsed.values && parsed.values.help === true) {
        console.log(usage);
        process.exit(0);
      }
      return parsed;
    },
  };
}
