import { defineConfig } from 'vitest/config';
import { LOCAL_REGION } from './local/aws-env.ts';

// The JSON report feeds .ci/run's plain "N passed, N failed" line.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { AWS_REGION: LOCAL_REGION, POWERTOOLS_LOG_LEVEL: 'SILENT', NODE_NO_WARNINGS: '1' },
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
