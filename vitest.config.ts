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
    // Protocol tests start real servers; two cores, so keep the pool small. Measured on a 42-file
    // subset (same CPU time each run, about 400 s): 4 workers 561 s, 2 workers 823 s, at load
    // 15–18; but a clean-clone run with 4 lost a COMPRESS=DEFLATE LOGOUT reply under that load
    // (test/imap/compress.test.ts), so 4 waits until that path is understood.
    pool: 'forks',
    maxWorkers: 2,
  },
});
