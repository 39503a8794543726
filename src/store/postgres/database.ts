import pg from 'pg';
import { isStoreUnavailable } from '../store-unavailable.js';
import type { Migration } from '../database.js';
import { StoreError } from '../types.js';

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

/**
 * Runs `work` in one transaction on one connection; COMMIT on success, ROLLBACK on a throw. A
 * connection that failed because the server is gone is destroyed, not returned to the pool, and
 * the failure leaves as StoreError 'unavailable' (its COMMIT may or may not have happened: the
 * caller answers a temporary failure, never a success).
 */
export async function inPgTransaction<T>(pool: PgPool, work: (client: PgClient) => Promise<T>): Promise<T> {
  let client: PgClient;
  refuseDuringBackoff(pool);
  try {
    client = await pool.connect();
  } catch (error) {
    throw noteOutcome(pool, asUnavailable(error));
  }
  let broken = false;
  // pg-pool listens for a checked-out client's 'error' no more: a connection lost between two
  // queries of `work` would be an uncaught exception. Its next query then fails, as unavailable.
  const onLost = (): void => {
    broken = true;
  };
  client.on('error', onLost);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    noteOutcome(pool, null);
    return result;
  } catch (error) {
    const failure = noteOutcome(pool, asUnavailable(error));
    broken ||= isStoreUnavailable(failure);
    if (!broken) await client.query('ROLLBACK').catch(() => undefined);
    throw failure;
  } finally {
    client.removeListener('error', onLost);
    client.release(broken);
  }
}


/** Reconnect backoff per pool: the first wait after a lost server, doubled per failure up to the cap. */
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2_000;
const backoffs = new WeakMap<PgPool, { delayMs: number; retryAt: number }>();

/**
 * StoreError 'unavailable' at once while the server was lost moments ago: during a failover every
 * request would otherwise open a connection that fails, all together, each time. One request per
 * backoff period (with ±50 % jitter, so nodes spread) goes on to try.
 */
export function refuseDuringBackoff(pool: PgPool): void {
  const backoff = backoffs.get(pool);
  if (!backoff) return;
  if (Date.now() < backoff.retryAt) throw new StoreError('unavailable', 'the database is unavailable: reconnecting after backoff');
  backoff.retryAt = Date.now() + backoff.delayMs;
}

/** Records a request's outcome for the backoff (null: it succeeded); returns `failure`. */
export function noteOutcome(pool: PgPool, failure: unknown): unknown {
  if (failure === null) {
    backoffs.delete(pool);
    return failure;
  }
  if (!isStoreUnavailable(failure)) return failure;
  const previous = backoffs.get(pool)?.delayMs ?? 0;
  const delayMs = Math.min(MAX_BACKOFF_MS, Math.max(FIRST_BACKOFF_MS, previous * 2));
  backoffs.set(pool, { delayMs, retryAt: Date.now() + delayMs * (0.5 + Math.random()) });
  return failure;
}

/** `error` as StoreError 'unavailable' when PostgreSQL is unreachable or read-only; otherwise unchanged. */
export function asUnavailable(error: unknown): unknown {
  if (error instanceof StoreError || !isStoreUnavailable(error)) return error;
  return new StoreError('unavailable', `the database is unavailable: ${error instanceof Error ? error.message : String(error)}`);
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
