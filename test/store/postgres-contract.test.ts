import { afterAll, beforeAll } from 'vitest';
import { PgMailStore, openPostgresPool } from '../../src/store/index.js';
import { startPostgres, type RunningPostgres } from '../helpers/postgres.js';
import { describeBlobStoreContract, describeMailStoreContract } from './contract/index.js';

// One private cluster for the file; each store gets a fresh database copied from a template that
// already holds the store's schema (CREATE DATABASE … TEMPLATE copies it), so a test does not pay
// for the migrations. fsync is off in this cluster only: the contract is about what the store
// answers, and durability is tested where the product runs (test/postgres-serve.test.ts and the
// failover tests keep PostgreSQL's defaults).
const TEMPLATE = 'store_template';
let cluster: RunningPostgres;
beforeAll(async () => {
  cluster = await startPostgres({ settings: { fsync: 'off' } });
  const pool = openPostgresPool(await cluster.createDatabase(TEMPLATE), { poolSize: 2 });
  await (await PgMailStore.open(pool)).close();
  await pool.end();
});
afterAll(async () => {
  await cluster?.stop();
});

async function openPgStore(): Promise<{ store: PgMailStore; cleanup(): Promise<void> }> {
  const url = await cluster.createDatabase(undefined, { template: TEMPLATE });
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

describeMailStoreContract('PostgreSQL', openPgStore);

describeBlobStoreContract('PostgreSQL', async () => {
  const opened = await openPgStore();
  return { blobs: opened.store.blobs, cleanup: opened.cleanup };
});
