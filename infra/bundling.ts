// How every handler is bundled: the project's own esbuild (never Docker), ESM, minified, source maps,
// with the AWS SDK inside the bundle (docs/deploy.md, "Bundling", has the measurements behind that).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Charset, LogLevel, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Repository root: entries, lock file and tsconfig are resolved from here, whatever the cwd. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Lambda's Node.js major; keep in step with the function runtime (nodejs22.x). */
export const NODE_TARGET = 'node22';

/**
 * The bundles' charset. The confusables table is mostly non-ASCII: written as UTF-8, not \u escapes, it
 * is ~45 KB smaller. aws-cdk-lib 2.276's NodejsFunction declares `charset` but never passes it to esbuild
 * (the stack's bundles came out ASCII, 269 KiB), so BUNDLING gives it to esbuild as an argument too; the
 * bundle test checks the result.
 */
const CHARSET = Charset.UTF8;

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
  forceDockerBundling: false,
  logLevel: LogLevel.ERROR,
};

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
