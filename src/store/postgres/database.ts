import pg from 'pg';
import type { Migration } from '../database.js';

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;

export interface PostgresOptions {
  /** Connections this node keeps (`[store] postgres_pool`). */
  readonly poolSize?: number;
}

/**
 * A pool of connections to the PostgreSQL store (docs/postgres.en.md). Durability as with SQLite
 * (DESIGN.md "Durability": `250` only after COMMIT): synchronous_commit stays on for every session
 * whatever the server's default, so a COMMIT returns once the WAL is flushed (and, with
 * synchronous_standby_names set on the primary, once a standby has it too).
 */
export function openPostgresPool(url: string, options: PostgresOptions = {}): PgPool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 20,
    options: '-c synchronous_commit=on',
    // A lost server shows as an error on the next query, not a hung request (failover: the pool
    // reconnects to whichever host the URL names next).
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection dropped by the server (restart, failover) is discarded by the pool;
  // without a listener its 'error' would crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `work` in one transaction on one connection; COMMIT on success, ROLLBACK on a throw. */
export async function inPgTransaction<T>(pool: PgPool, work: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * The key of the advisory lock nodes take while migrating: two nodes starting together against an
 * empty database apply each step once (PostgreSQL §9.27.10, pg_advisory_xact_lock).
 */
const MIGRATION_LOCK = 0x63616e74;

/**
 * Applies the component's migrations not yet recorded, each in its own transaction, in version
 * order: the same numbering rule as SQLite's `migrate` (src/store/database.ts), one
 * `schema_migrations` table shared by the components in one database.
 */
export async function migratePostgres(pool: PgPool, component: string, migrations: readonly Migration[]): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL,
    version INTEGER NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (component, version)
  )`).catch(async (error: { code?: string }) => {
    // Two nodes creating the table at once: one wins, the other sees a unique violation on the catalog.
    if (error.code !== '23505' && error.code !== '42P07') throw error;
  });
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    await inPgTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const applied = await client.query('SELECT 1 FROM schema_migrations WHERE component = $1 AND version = $2', [component, migration.version]);
      if (applied.rowCount) return;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (component, version) VALUES ($1, $2)', [component, migration.version]);
    });
  }
}
