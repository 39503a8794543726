import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, inject } from 'vitest';
import { databasesAt, type PostgresDatabases } from './postgres.js';
import { startTestServer, type TestServer, type TestUser } from './server.js';

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

export interface TwoNodes {
  readonly nodeA: TestServer;
  readonly nodeB: TestServer;
  /** Added through node A before node B started. */
  readonly user: TestUser;
}

/**
 * Two cantho-mail nodes on different ports sharing one PostgreSQL database of the suite's
 * cluster and one data directory (the SQLite directory file), as two nodes behind HAProxy
 * (docs/postgres.en.md "Several nodes"), with one user named `userName`. Call at the top level of
 * the file; the getter is valid in tests.
 */
export function twoNodesForThisFile(userName: string): () => TwoNodes {
  const cluster = clusterForThisFile();
  let nodes: Partial<{ -readonly [K in keyof TwoNodes]: TwoNodes[K] }> = {};
  beforeAll(async () => {
    const url = await cluster().createDatabase();
    const store = { backend: 'postgres' as const, postgres_url: url, postgres_pool: 4 };
    nodes.nodeA = await startTestServer({ config: { store } });
    nodes.user = await nodes.nodeA.addUser(userName);
    nodes.nodeB = await startTestServer({ dataDir: nodes.nodeA.dataDir, config: { store } });
  }, 240_000);
  afterAll(async () => {
    await nodes.nodeB?.close();
    await nodes.nodeA?.close();
    nodes = {};
  });
  return () => {
    const { nodeA, nodeB, user } = nodes;
    if (!nodeA || !nodeB || !user) throw new Error('the two nodes are not started yet');
    return { nodeA, nodeB, user };
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
