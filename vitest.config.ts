import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Two cores: action tests spawn bundles and local endpoints; more workers only contend.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: process.env.CI ? ['default'] : ['default'],
    // Console output of passing tests is dropped, so what is printed is about a failure
    // (VERBOSE=1 shows everything).
    silent: process.env.VERBOSE ? false : 'passed-only',
    // The test process runs the AWS SDK on the machine's Node.js (the bundles run on Node.js 24): its notice
    // that future SDK versions need a newer Node.js is not about the code under test.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
