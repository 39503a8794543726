import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, inject } from 'vitest';
import { databasesAt, type PostgresDatabases } from './postgres.js';

/**
 * The cluster this test file creates its databases in: the suite's shared one
 * (test/helpers/postgres-suite.ts, vitest globalSetup), once it accepts connections. Call at the
 * top level of the file; the getter is valid in tests. Each file's databases have names of their
 * own (createDatabase), so files running at once in the cluster do not meet.
 */
export function clusterForThisFile(): () => PostgresDatabases {
  let cluster: PostgresDatabases | undefined;
  beforeAll(async () => {
    cluster = databasesAt(await suiteClusterUrl());
  }, 240_000);
  return () => {
    if (!cluster) throw new Error('the PostgreSQL cluster is not started yet');
    return cluster;
  };
}

/** Waits for the suite's cluster to be started (the hook's timeout bounds the wait). */
async function suiteClusterUrl(): Promise<string> {
  const readyFile = inject('postgresReadyFile');
  while (!existsSync(readyFile)) await new Promise((resolve) => setTimeout(resolve, 100));
  const ready = JSON.parse(readFileSync(readyFile, 'utf8')) as { url?: string; error?: string };
  if (!ready.url) throw new Error(`the suite's PostgreSQL cluster did not start: ${ready.error}`);
  return ready.url;
}
