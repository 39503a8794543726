import { openPostgresPool, PgMailStore } from '../../src/store/index.js';
import { clusterForThisFile } from '../helpers/postgres-cluster.js';
import { describeOwnChanges } from './own-changes-cases.js';

// PgMailStore emits a change after awaiting its COMMIT (MailStore.changesEmitted 'after-await').
const cluster = clusterForThisFile();

describeOwnChanges('PostgreSQL', async () => {
  const pool = openPostgresPool(await cluster().createDatabase(), { poolSize: 4 });
  const store = await PgMailStore.open(pool);
  return {
    store,
    async cleanup() {
      await store.close();
      await pool.end();
    },
  };
});
