import { afterAll, beforeAll } from 'vitest';
import { PgMailStore, openPgSieveStore, openPostgresPool } from '../../src/store/index.js';
import { startPostgres, type RunningPostgres } from '../helpers/postgres.js';
import { changeEvents, describeBlobStoreContract, describeMailStoreContract, describeSieveStoreContract } from './contract/index.js';
import { openPgStore } from './postgres-store.js';

// One private cluster for the file; each store gets a fresh database copied from a template that
// already holds the store's schema (CREATE DATABASE … TEMPLATE), so a test does not pay for the
// migrations. fsync is off in this cluster only: the contract is about what the store answers,
// and durability is tested where the product runs (test/postgres/serve.test.ts and
// test/postgres/failover.test.ts keep PostgreSQL's defaults).
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

describeMailStoreContract('PostgreSQL', () => openPgStore(cluster, { template: TEMPLATE }));

describeBlobStoreContract('PostgreSQL', async () => {
  const opened = await openPgStore(cluster, { template: TEMPLATE });
  return { blobs: opened.store.blobs, cleanup: opened.cleanup };
});

// `other`: a second node's store, on a pool of its own.
describeSieveStoreContract('PostgreSQL', async () => {
  const url = await cluster.createDatabase();
  const changes = changeEvents();
  const sieve = await openPgSieveStore(openPostgresPool(url, { poolSize: 2 }), { changes });
  const other = await openPgSieveStore(openPostgresPool(url, { poolSize: 2 }));
  return {
    sieve,
    changes,
    other,
    async cleanup() {
      await sieve.close();
      await other.close();
      await cluster.dropDatabase(url);
    },
  };
});
