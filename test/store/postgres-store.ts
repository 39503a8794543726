import pg from 'pg';
import { PgMailStore, openPostgresPool } from '../../src/store/index.js';
import type { RunningPostgres } from '../helpers/postgres.js';

/** A PgMailStore on a fresh database of `cluster`; cleanup closes it and drops the database. */
export async function openPgStore(cluster: RunningPostgres): Promise<{ store: PgMailStore; cleanup(): Promise<void> }> {
  const url = await cluster.createDatabase();
  const pool = openPostgresPool(url, { poolSize: 4 });
  const store = await PgMailStore.open(pool);
  return {
    store,
    async cleanup() {
      await store.close();
      await pool.end();
      await dropDatabase(cluster, url);
    },
  };
}

/**
 * A store's database goes with it: its pages then never reach the disk, so the cluster's shutdown
 * checkpoint at the end of the file writes one database, not one per test.
 */
async function dropDatabase(cluster: RunningPostgres, url: string): Promise<void> {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  try {
    await client.query(`DROP DATABASE ${new URL(url).pathname.slice(1)}`);
  } finally {
    await client.end();
  }
}
