import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type RunningPostgres } from './postgres.js';
import { startTestServer, type TestServer, type TestUser } from './server.js';

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

export interface TwoNodes {
  readonly nodeA: TestServer;
  readonly nodeB: TestServer;
  /** Added through node A before node B started. */
  readonly user: TestUser;
}

/**
 * Two cantho-mail nodes on different ports sharing one PostgreSQL database of the file's own
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
