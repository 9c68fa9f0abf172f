import { defineConfig } from 'vitest/config';

// One runner for every suite. Integration and e2e suites share one Docker Engine and one
// Caddy, so files run one at a time; unit tests are fast enough that this costs nothing.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
