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
    // Protocol tests start real servers and mostly wait on sockets and child processes, so four
    // files at a time on two cores. Measured, same CPU time each run: a 42-file subset 561 s with 4
    // workers against 823 s with 2 (load 15–18); an 18-file subset 276 s against 294 s (load 7–14).
    // The COMPRESS=DEFLATE LOGOUT reply once lost with 4 was the test client's own race (fixed).
    pool: 'forks',
    maxWorkers: 4,
  },
});
