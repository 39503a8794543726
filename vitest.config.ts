import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Timeouts only catch a hung test; a slow but passing one on a loaded shared machine must still
    // pass, so they sit far above any test's time on a quiet one (the slowest files take about half a
    // minute). A test or hook sets its own only to give more, never less.
    testTimeout: 180_000,
    hookTimeout: 240_000,
    // Protocol tests start real servers; two cores, so keep the pool small.
    pool: 'forks',
    maxWorkers: 2,
  },
});
