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
  const pool = openPostgresPool(await cluster.createDatabase(), { poolSize: 4 });
  const store = await PgMailStore.open(pool);
  return {
    store,
    async cleanup() {
      await store.close();
      await pool.end();
    },
  };
}

describeMailStoreContract('PostgreSQL', openPgStore);

describeBlobStoreContract('PostgreSQL', async () => {
  const opened = await openPgStore();
  return { blobs: opened.store.blobs, cleanup: opened.cleanup };
});
