// functions/stack-traces.ts maps the frames of a bundle; the bundled handlers' stacks are tested in
// test/infra-bundle.test.ts (in fresh processes, as the mapping is process-wide). Here: that it stays out
// of the way where it must, since under vitest and tsx the sources have no map beside them.
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { installSourceMappedStacks } from '../functions/stack-traces.ts';

describe('installSourceMappedStacks', () => {
  it('installs nothing for a module with no map beside it (the sources, under tsx or vitest)', () => {
    const before = Error.prepareStackTrace;
    installSourceMappedStacks();
    installSourceMappedStacks(pathToFileURL('/nowhere/index.mjs').href);
    expect(Error.prepareStackTrace).toBe(before);
    expect(Reflect.get(globalThis, Symbol.for('wschat.sourceMappedBundles'))).toBeUndefined();
  });
});
