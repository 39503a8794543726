export { inPgTransaction, migratePostgres, openPostgresPool, type PgClient, type PgPool, type PostgresOptions } from './database.js';
export { openPgOutboundQueue, PgOutboundQueue } from './queue.js';
