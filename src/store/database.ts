import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Opens the one SQLite file everything durable lives in (DESIGN.md "Data"). WAL lets the CLI and
 * the server use it at once; synchronous=FULL makes a commit survive power loss, which is what a
 * `250` promises (DESIGN.md "Durability").
 */
export function openDatabase(file: string): Db {
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // The CLI and the server write the same file: wait for the other's lock instead of failing.
  db.pragma('busy_timeout = 10000');
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL,
    version INTEGER NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    PRIMARY KEY (component, version)
  )`);
  return db;
}

/** One numbered schema step of a component ("store", "directory", "queue", "bayes", …). */
export interface Migration {
  readonly version: number;
  readonly sql: string;
}

/**
 * Applies the component's migrations that are not yet recorded, each in its own transaction, in
 * version order. Components keep separate numbering so that modules can evolve their tables
 * independently in one database file.
 */
export function migrate(db: Db, component: string, migrations: readonly Migration[]): void {
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE component = ? AND version = ?').pluck();
  const record = db.prepare('INSERT INTO schema_migrations (component, version) VALUES (?, ?)');
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    // IMMEDIATE takes the write lock first, so a CLI and a server starting together never both apply a step.
    db.transaction(() => {
      if (isApplied.get(component, migration.version)) return;
      db.exec(migration.sql);
      record.run(component, migration.version);
    }).immediate();
  }
}
