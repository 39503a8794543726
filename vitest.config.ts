import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One PostgreSQL cluster for the run, started in the background; files that only need
    // databases of their own create them in it (clusterForThisFile).
    globalSetup: ['test/helpers/postgres-suite.ts'],
    // Timeouts only catch a hung test; a slow but passing one on a loaded shared machine must still
    // pass, so they sit far above any test's time on a quiet one (the slowest files take about half a
    // minute). A test or hook sets its own only to give more, never less.
    testTimeout: 180_000,
    hookTimeout: 240_000,
    // Protocol tests start real servers and mostly wait on sockets and child processes. Measured,
    // same CPU time each run: a 42-file subset 561 s with 4 workers against 823 s with 2 (load
    // 15–18); an 18-file subset 276 s against 294 s (load 7–14); the whole suite on a quiet clean
    // clone 685 s against 745 s. Two, because on two cores four files at a time push the timing
    // of the load tests (hostile/, bench-like memory and stall bounds) toward their limits, and a
    // failed CI run costs more than the minute four save.
    pool: 'forks',
    maxWorkers: 2,
  },
});
