export { inPgTransaction, migratePostgres, openPostgresPool, type PgClient, type PgPool, type PostgresOptions } from './database.js';
export { ChangeBus, startChangeBus, type CatchUpReader, type ChangeBusOptions } from './notify.js';
export { openPgOutboundQueue, PgOutboundQueue } from './queue.js';
export { PgBlobStore } from './blob-store.js';
export { PgMailStore } from './mail-store.js';
export { copySqliteStoreToPostgres, migrateSqliteFileToPostgres, type StoreCopyReport } from './copy-from-sqlite.js';
export { openPgSieveStore, type PgSieveStoreOptions } from './sieve.js';
export { PgMboxImportLedger } from './mbox-import.js';
