import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { PgMailStore, openPostgresPool } from '../../src/store/index.js';
import { startPostgres, type RunningPostgres } from '../helpers/postgres.js';
import { describeBlobStoreContract, describeMailStoreContract } from './contract/index.js';

// One private cluster for the file, a fresh database per store (test/helpers/postgres.ts).
let cluster: RunningPostgres;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

async function openPgStore(): Promise<{ store: PgMailStore; cleanup(): Promise<void> }> {
  const url = await cluster.createDatabase();
  const pool = openPostgresPool(url, { poolSize: 4 });
  const store = await PgMailStore.open(pool);
  return {
    store,
    async cleanup() {
      await store.close();
      await pool.end();
      await dropDatabase(url);
    },
  };
}

/**
 * A store's database goes with it: its pages then never reach the disk, so the cluster's shutdown
 * checkpoint at the end of the file writes one database, not one per test.
 */
async function dropDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  try {
    await client.query(`DROP DATABASE ${new URL(url).pathname.slice(1)}`);
  } finally {
    await client.end();
  }
}

describeMailStoreContract('PostgreSQL', openPgStore);

describeBlobStoreContract('PostgreSQL', async () => {
  const opened = await openPgStore();
  return { blobs: opened.store.blobs, cleanup: opened.cleanup };
});
