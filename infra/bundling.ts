// How every handler is bundled: the project's own esbuild (never Docker), ESM, minified, source maps,
// with the AWS SDK inside the bundle (docs/deploy.md, "Bundling", has the measurements behind that).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Charset, LogLevel, OutputFormat, type BundlingOptions, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import { CONFUSABLES_FILE } from '../functions/core/confusables.ts';
import { SETTINGS } from '../functions/settings.ts';

/** Repository root: entries, lock file and tsconfig are resolved from here, whatever the cwd. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Lambda's Node.js major; keep in step with the function runtime (nodejs22.x). */
export const NODE_TARGET = 'node22';

/**
 * The bundles' charset: UTF-8, so that the code's few non-ASCII strings (the look-alike additions, the
 * replies' typographic quotes) stay characters rather than \u escapes (the confusables table, which made
 * this worth ~45 KB, is now a file beside the bundle). aws-cdk-lib 2.276's NodejsFunction declares
 * `charset` but never passes it to esbuild, so BUNDLING gives it to esbuild as an argument too; the bundle
 * test checks the result.
 */
const CHARSET = Charset.UTF8;

/**
 * Package files a handler reads at run time instead of bundling (functions/core/confusables.ts says why),
 * each copied beside index.mjs as node_modules/<package path>, where node resolves it from the bundle.
 */
export const SHIPPED_PACKAGE_FILES: readonly string[] = [CONFUSABLES_FILE];

/**
 * The shell commands that copy SHIPPED_PACKAGE_FILES into a bundle's directory (run by CDK, and by the init
 * probe). POSIX commands: CDK runs them with `bash -c` on Linux and macOS; its Windows path (`cmd /c`) is
 * not supported, as nothing here runs on Windows.
 */
export function shipPackageFiles(outputDir: string): string[] {
  const require = createRequire(import.meta.url);
  return SHIPPED_PACKAGE_FILES.map((file) => {
    const target = join(outputDir, 'node_modules', file);
    return `mkdir -p ${shellQuoted(dirname(target))} && cp ${shellQuoted(require.resolve(file))} ${shellQuoted(target)}`;
  });
}

function shellQuoted(path: string): string {
  return `'${path.replaceAll("'", "'\\''")}'`;
}

const COMMAND_HOOKS: ICommandHooks = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (_inputDir, outputDir) => shipPackageFiles(outputDir),
};

export const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: NODE_TARGET,
  // Prefer packages' ESM builds: smaller output and better tree shaking than their CJS builds.
  mainFields: ['module', 'main'],
  // No createRequire banner: with ESM builds preferred, nothing in the bundle calls require(), and the
  // bundle test fails (pointing here) if a dependency ever brings esbuild's "Dynamic require" shim.
  // The fix then: banner "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"
  minify: true,
  charset: CHARSET,
  esbuildArgs: { '--charset': CHARSET },
  sourceMap: true,
  // Stack traces need only the mappings; embedding the original sources would make the .map 2.7x as large (1.8 MB vs 0.67 MB).
  sourcesContent: false,
  // Ship the exact SDK the tests ran against, instead of whatever version the runtime carries.
  bundleAwsSDK: true,
  commandHooks: COMMAND_HOOKS,
  forceDockerBundling: false,
  logLevel: LogLevel.ERROR,
};

/**
 * What every handler's environment gets for its bundle: stack traces mapped to the TypeScript sources
 * through the shipped .map, read on the first stack formatted (functions/stack-traces.ts says why not
 * `NODE_OPTIONS=--enable-source-maps`). The init probe (bench/probes/bundles.ts) runs the bundles with it.
 */
export const BUNDLE_ENV: Readonly<Record<string, string>> = { [SETTINGS.sourceMappedStacks.env]: 'true' };

/**
 * NodejsFunction silently falls back to Docker when it cannot find esbuild; no Docker engine runs
 * here or in CI, so fail early with the actual cause instead.
 */
export function assertLocalEsbuild(): void {
  try {
    createRequire(import.meta.url).resolve('esbuild');
  } catch {
    throw new Error('esbuild is not installed in node_modules (run `npm ci`); bundling must not fall back to Docker');
  }
}
