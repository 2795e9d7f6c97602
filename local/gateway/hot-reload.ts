// Hot reload for module route targets. Before each event the files of the target's current generation
// are stat'ed; if any changed (mtime or size), the entry is imported again under a new generation
// (`?local-gateway-hot=N`). Under plain Node.js (e.g. `npm start` with tsx) module hooks carry the
// generation to every local file the entry imports, so edits anywhere in the handler's own code take
// effect; where those hooks do not apply (vitest's module runner), only the entry file is reloaded.
// Old generations stay in memory (ESM has no unloading): fine for a dev session, not for days.
import { stat } from 'node:fs/promises';
import { register } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

export const HOT_PARAM = 'local-gateway-hot';

/** Files reported by the hooks thread, per generation. */
const filesByGeneration = new Map<string, Set<string>>();
let nextGeneration = 1;
let hooksRegistered = false;

function registerHooksOnce(): void {
  if (hooksRegistered) return;
  hooksRegistered = true;
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (message: { url: string; generation: string }) => {
    filesByGeneration.get(message.generation)?.add(fileURLToPath(message.url.split('?')[0] ?? message.url));
  });
  port1.unref();
  try {
    register(new URL('./hot-reload-hooks.mjs', import.meta.url), { data: { port: port2 }, transferList: [port2] });
  } catch {
    // No module hooks here (older Node.js): only entry files reload.
  }
}

type Signature = string;

async function signatureOf(file: string): Promise<Signature> {
  try {
    const info = await stat(file);
    return `${info.mtimeMs}:${info.size}`;
  } catch {
    return 'missing';
  }
}

/** One module route target: one function's own copy of its modules, re-imported on change when watched. */
export class HotModule {
  private readonly entryUrl: string;
  private files = new Set<string>();
  private readonly signatures = new Map<string, Signature>();
  private namespace: Record<string, unknown> | undefined;
  private generation: string | undefined;
  private loading: Promise<Record<string, unknown>> | undefined;

  /**
   * `watch` false: imported once, never re-checked. Still a generation of its own, so each function
   * importing the same files gets its own module instances (under Node's hooks, its local imports too).
   */
  constructor(
    private readonly entryPath: string,
    private readonly watch = true,
  ) {
    registerHooksOnce();
    this.entryUrl = pathToFileURL(entryPath).href;
  }

  /** The module namespace, re-imported first if any of its files changed since the last import. */
  load(): Promise<Record<string, unknown>> {
    // One check/import at a time; events arriving meanwhile share its result.
    this.loading ??= this.loadIfChanged().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async loadIfChanged(): Promise<Record<string, unknown>> {
    if (this.namespace && (!this.watch || !(await this.changed()))) return this.namespace;
    if (this.generation) filesByGeneration.delete(this.generation);
    const generation = String(nextGeneration++);
    this.generation = generation;
    this.files = new Set([this.entryPath]);
    filesByGeneration.set(generation, this.files);
    this.signatures.clear();
    this.namespace = undefined;
    try {
      this.namespace = (await import(`${this.entryUrl}?${HOT_PARAM}=${generation}`)) as Record<string, unknown>;
    } finally {
      if (this.watch) await this.recordSignatures();
    }
    return this.namespace;
  }

  private async recordSignatures(): Promise<void> {
    const files = [...this.files].filter((file) => !this.signatures.has(file));
    const signatures = await Promise.all(files.map(signatureOf));
    files.forEach((file, i) => this.signatures.set(file, signatures[i] ?? 'missing'));
  }

  private async changed(): Promise<boolean> {
    const files = [...this.files];
    const current = await Promise.all(files.map(signatureOf));
    let changed = false;
    files.forEach((file, i) => {
      const known = this.signatures.get(file);
      // Files reported after the import finished get their first signature now.
      if (known === undefined) this.signatures.set(file, current[i] ?? 'missing');
      else if (known !== current[i]) changed = true;
    });
    return changed;
  }
}
