import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type RunningPostgres } from './postgres.js';

/**
 * The test file's own PostgreSQL cluster (one per file, test/helpers/postgres.ts): started before
 * its tests, stopped after them. Call at the top level of the file; the getter is valid in tests.
 */
export function clusterForThisFile(): () => RunningPostgres {
  let cluster: RunningPostgres | undefined;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 240_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => {
    if (!cluster) throw new Error('the PostgreSQL cluster is not started yet');
    return cluster;
  };
}
