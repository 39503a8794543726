import type { MailStore } from './api.js';
import { watchExternalChanges } from './external-changes.js';
import type { Db } from './database.js';
import { MboxImportLedger, type ImportLedger } from './mbox.js';
import { openPgOutboundQueue, openPgSieveStore, openPostgresPool, PgMailStore, PgMboxImportLedger, type PgPool } from './postgres/index.js';
import { SqliteOutboundQueue, type OutboundQueue } from './queue.js';
import { openSieveStore, type SieveScriptStore } from './sieve.js';
import { SqliteMailStore } from './sqlite-store.js';
import type { DiligenceStore } from './unit-diligence.js';
import { StoreError } from './types.js';

/** The `[store]` keys that choose where mail and the outbound queue live (DESIGN.md "Config"). */
export interface StoreBackendSettings {
  readonly backend: 'sqlite' | 'postgres';
  readonly postgres_url: string;
  readonly postgres_pool: number;
}

/**
 * The outbound queue of this node: in its SQLite database, or with `backend = "postgres"` the one
 * queue every node shares (docs/architecture.md "Outbound queue claims"), on a pool of its own.
 * The server and the CLI (`queue list|retry|delete`) open it here, so both see the same queue.
 */
export async function openOutboundQueue(db: Db, settings: StoreBackendSettings): Promise<OutboundQueue> {
  if (settings.backend === 'sqlite') return new SqliteOutboundQueue(db);
  return onOwnPool(settings, settings.postgres_pool, openPgOutboundQueue);
}

/** What `open` builds on a pool of its own at `postgres_url`; the pool is ended when that fails. */
async function onOwnPool<T>(settings: StoreBackendSettings, poolSize: number, open: (pool: PgPool) => Promise<T>): Promise<T> {
  const pool = openPostgresPool(settings.postgres_url, { poolSize });
  try {
    return await open(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
}

/**
 * Connections of the PostgreSQL Sieve store: activeScript is answered from memory, so what reaches
 * the database is ManageSieve, the web page's rules and vacation claims, a few at a time.
 */
const SIEVE_POOL = 4;

/**
 * The Sieve scripts and vacation record of this node: in its SQLite file, or with `backend =
 * "postgres"` those every node shares (docs/postgres.en.md), on a pool of its own. `changes`: the
 * mail store's events, given by serve so that activeScript is answered from memory.
 */
export async function openSieveScriptStore(db: Db, settings: StoreBackendSettings, changes?: MailStore['events']): Promise<SieveScriptStore> {
  if (settings.backend === 'sqlite') return openSieveStore(db, changes);
  return onOwnPool(settings, Math.min(SIEVE_POOL, settings.postgres_pool), (pool) => openPgSieveStore(pool, changes ? { changes } : {}));
}

export interface MailStoreOptions {
  /** `[imap] vanished_history` (unset: the store's default). */
  readonly vanishedHistory?: number | undefined;
  /** serve indexes bodies a previous run left unindexed (SQLite's search index, src/store/fts.ts). */
  readonly indexUnindexed?: boolean;
}

/**
 * The MailStore `[store] backend` names (docs/postgres.en.md): SQLite in the data file, or
 * PostgreSQL at `postgres_url`, whose directory and Bayes stay in the SQLite file `db`.
 * The server and the CLI's mail commands open it here, so a command never works on the SQLite
 * copy of an installation whose mail is in PostgreSQL. `close` ends the store and the connections
 * it opened (the SQLite file last). `diligence` is the unit diligence memory beside the store's
 * messages (src/store/unit-diligence.ts), read by serve's reminders and digests.
 */
export async function openMailStore(
  db: Db,
  settings: StoreBackendSettings,
  options: MailStoreOptions = {},
): Promise<{ store: MailStore; diligence: DiligenceStore; close(): Promise<void> }> {
  if (settings.backend === 'sqlite') {
    const store = new SqliteMailStore(db, options);
    return { store, diligence: store.diligence, close: () => store.close() };
  }
  const { pool, store } = await onOwnPool(settings, settings.postgres_pool, async (pool) => ({ pool, store: await PgMailStore.open(pool, options) }));
  // DESIGN.md "CLI": a CLI change to the directory (still in the SQLite file) is seen within a second.
  const stopWatching = watchExternalChanges(db, () => store.announceExternalChange());
  return {
    store,
    diligence: store.diligence,
    async close() {
      stopWatching();
      await store.close();
      await pool.end();
      db.close();
    },
  };
}

/**
 * The ledger of one `cantho-mail import` run, beside the mailboxes of the store openMailStore
 * opened (src/store/mbox.ts; postgres/mbox-import.ts), so the import is idempotent on either backend.
 */
export function openImportLedger(db: Db, store: MailStore): ImportLedger {
  if (store instanceof SqliteMailStore) return new MboxImportLedger(db, store);
  if (store instanceof PgMailStore) return new PgMboxImportLedger(store);
  throw new StoreError('cannot', 'import needs the store openMailStore opened');
}
