import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Db } from './database.js';
import { StoreError } from './types.js';

/**
 * The store's side of backups (src/backup): a consistent copy of the one database file, and what
 * can be said about a copy without a server (schema versions, row counts, integrity). Everything
 * durable lives in that file, message bodies included (blobs.ts), so the copy is the whole data.
 */

const THREAD = new URL('./snapshot-thread.mjs', import.meta.url);

/**
 * Copies the live database at `source` to `target` (which must not exist) as of one commit, with
 * `VACUUM INTO` on a read-only connection of its own in a worker thread; writers are not blocked.
 * `onProgress` gets the bytes written so far every `intervalMs` (the copy is about the size of
 * the live file, less its free pages). A failure (disk full: SQLITE_FULL) rejects with
 * StoreError 'full' or the SQLite error; the live database is only ever read.
 */
export function snapshotDatabase(source: string, target: string, onProgress?: () => void, intervalMs = 250): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(THREAD, { workerData: { source, target } });
    const timer = onProgress ? setInterval(onProgress, intervalMs) : null;
    const finish = (error: Error | null) => {
      if (timer) clearInterval(timer);
      void worker.terminate();
      if (error) reject(error);
      else resolve();
    };
    worker.once('message', (result: { ok: boolean; code: string | null; message: string }) => {
      if (result.ok) return finish(null);
      const full = result.code === 'SQLITE_FULL' || result.code?.startsWith('SQLITE_IOERR');
      finish(full ? new StoreError('full', `insufficient storage for the snapshot: ${result.message}`) : Object.assign(new Error(result.message), { code: result.code }));
    });
    worker.once('error', (error) => finish(error));
  });
}

/** Schema step per component (schema_migrations) and rows per table of a database file. */
export interface DatabaseDescription {
  readonly schema: Readonly<Record<string, number>>;
  readonly counts: Readonly<Record<string, number>>;
}

/** Opens a copy read-only (it must exist); throws StoreError 'nonexistent' for a file SQLite cannot read. */
function openCopy(file: string): Db {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('schema_version');
    return db;
  } catch (error) {
    throw new StoreError('nonexistent', `${file} is not a readable SQLite database: ${(error as Error).message}`);
  }
}

export function describeDatabase(file: string): DatabaseDescription {
  const db = openCopy(file);
  try {
    return { schema: schemaVersions(db), counts: tableCounts(db) };
  } finally {
    db.close();
  }
}

/** The highest applied step of each component (database.ts migrate). */
export function schemaVersions(db: Db): Record<string, number> {
  const rows = db.prepare<[], { component: string; version: number }>('SELECT component, max(version) AS version FROM schema_migrations GROUP BY component ORDER BY component').all();
  return Object.fromEntries(rows.map((row) => [row.component, row.version]));
}

/**
 * Rows of every ordinary table. The full-text index's tables are left out: they are derived from
 * the bodies (a virtual table and its shadow tables), and their row counts say nothing an admin
 * can check.
 */
function tableCounts(db: Db): Record<string, number> {
  const tables = db
    .prepare<[], { name: string }>(
      `SELECT name FROM sqlite_master t WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         AND sql NOT LIKE 'CREATE VIRTUAL%'
         AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.sql LIKE 'CREATE VIRTUAL%' AND t.name LIKE v.name || '_%')
       ORDER BY name`,
    )
    .all();
  return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT count(*) FROM "${name}"`).pluck().get() as number]));
}

/** SQLite's own check of every page and index of a copy; empty when sound (PRAGMA integrity_check). */
export function checkDatabaseIntegrity(file: string): string[] {
  const db = openCopy(file);
  try {
    const result = db.prepare('PRAGMA integrity_check').pluck().all() as string[];
    return result.length === 1 && result[0] === 'ok' ? [] : result;
  } catch (error) {
    return [(error as Error).message];
  } finally {
    db.close();
  }
}

/**
 * Litestream's requirement (its "Tips & Caveats"): under a write load the application must not
 * checkpoint the WAL itself, or Litestream may miss frames between its reads and start a new
 * generation (a full snapshot). With a replica, serve's connection stops auto-checkpointing and
 * Litestream checkpoints (PASSIVE, past 1000 pages by default) after it has copied the frames.
 */
export function leaveCheckpointsToReplica(db: Db): void {
  db.pragma('wal_autocheckpoint = 0');
}
