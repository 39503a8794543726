import { clusterForThisFile } from '../helpers/postgres-cluster.js';
import { openPgStore } from '../store/postgres-store.js';
import { describeOwnChanges } from './own-changes-cases.js';

// PgMailStore emits a change after awaiting its COMMIT (MailStore.changesEmitted 'after-await').
const cluster = clusterForThisFile();

describeOwnChanges('PostgreSQL', () => openPgStore(cluster()));
