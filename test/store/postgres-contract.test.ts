import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type RunningPostgres } from '../helpers/postgres.js';
import { describeBlobStoreContract, describeMailStoreContract } from './contract/index.js';
import { openPgStore } from './postgres-store.js';

// One private cluster for the file, a fresh database per store (test/helpers/postgres.ts).
let cluster: RunningPostgres;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

describeMailStoreContract('PostgreSQL', () => openPgStore(cluster));

describeBlobStoreContract('PostgreSQL', async () => {
  const opened = await openPgStore(cluster);
  return { blobs: opened.store.blobs, cleanup: opened.cleanup };
});
