// Benchmarks that need the local endpoints (`npm run bench:rollout`): one file at a time, so that runs do
// not share the two cores with each other. `npm test` never includes them (test/**/*.test.ts only).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/perf/**/*.perf.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
