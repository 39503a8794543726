import { PgMailStore, openPostgresPool } from '../../src/store/index.js';
import type { PostgresDatabases } from '../helpers/postgres.js';

/**
 * A PgMailStore on a fresh database of `cluster` (a copy of `template` when given: one that
 * already holds the store's schema); cleanup closes it and drops the database, whose pages then
 * never reach the disk at the cluster's shutdown checkpoint.
 */
export async function openPgStore(cluster: PostgresDatabases, options: { readonly template?: string } = {}): Promise<{ store: PgMailStore; cleanup(): Promise<void> }> {
  const url = await cluster.createDatabase(undefined, options);
  const pool = openPostgresPool(url, { poolSize: 4 });
  const store = await PgMailStore.open(pool);
  return {
    store,
    async cleanup() {
      await store.close();
      await pool.end();
      await cluster.dropDatabase(url);
    },
  };
}
