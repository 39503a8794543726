export { inPgTransaction, migratePostgres, openPostgresPool, type PgClient, type PgPool, type PostgresOptions } from './database.js';
