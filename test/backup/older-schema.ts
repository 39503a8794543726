/**
 * A database as a cantho-mail one store step behind this one would hold the same data, for the
 * restore tests' "older schema" case (docs/backup.en.md "Restoring a whole server"): the store's
 * tables are made by the real migration code without its last step, the other components'
 * tables are those of the live copy (made by the real code at their current steps), and every
 * row of the live copy is copied over (the columns both sides have).
 */
import Database from 'better-sqlite3';
import { migrate, openDatabase } from '../../src/store/index.js';
import { STORE_MIGRATIONS } from '../../src/store/schema.js';

type Db = Database.Database;

/** Writes `target` from the database `live` (a backup's mail.db); returns the store step written. */
export function writeDatabaseOneStoreStepBehind(live: string, target: string): number {
  const steps = STORE_MIGRATIONS.slice(0, -1);
  const db = openDatabase(target);
  try {
    migrate(db, 'store', steps);
    db.prepare('ATTACH DATABASE ? AS live').run(live);
    // Rows are copied as they are: no foreign key may refuse an order, no trigger may count twice.
    db.pragma('foreign_keys = OFF');
    db.transaction(() => {
      const made = new Set(tablesOf(db, 'main').map((t) => t.name));
      const others = tablesOf(db, 'live').filter((t) => !made.has(t.name) && t.name !== 'schema_migrations');
      for (const table of others) db.exec(table.sql);
      for (const { sql } of db
        .prepare<[], { sql: string }>(`SELECT sql FROM live.sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL`)
        .all()
        .filter(({ sql }) => others.some((t) => new RegExp(`\\bON\\s+"?${t.name}"?[\\s(]`, 'i').test(sql)))) {
        db.exec(sql);
      }
      db.exec(`INSERT INTO main.schema_migrations SELECT * FROM live.schema_migrations WHERE component <> 'store'`);
      // messages_size_insert adds each message's size to its mailbox: copying the mailboxes last
      // keeps their total_size as it was instead of doubling it.
      const order = tablesOf(db, 'main').sort((a, b) => Number(a.name === 'mailboxes') - Number(b.name === 'mailboxes'));
      for (const table of order) {
        if (table.name === 'schema_migrations' || !tablesOf(db, 'live').some((t) => t.name === table.name)) continue;
        const here = new Set(columnsOf(db, 'main', table.name));
        const columns = columnsOf(db, 'live', table.name).filter((c) => here.has(c));
        const list = [...(table.virtual ? ['rowid'] : []), ...columns.map((c) => `"${c}"`)].join(', ');
        db.exec(`INSERT INTO main."${table.name}" (${list}) SELECT ${list} FROM live."${table.name}"`);
      }
    })();
    db.exec('DETACH DATABASE live');
    return steps.at(-1)!.version;
  } finally {
    db.close();
  }
}

/** Ordinary and virtual tables of a schema, without SQLite's own and a virtual table's shadow tables. */
function tablesOf(db: Db, schema: 'main' | 'live'): Array<{ name: string; sql: string; virtual: boolean }> {
  const rows = db.prepare<[], { name: string; sql: string }>(`SELECT name, sql FROM ${schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all();
  const virtual = rows.filter((r) => /^CREATE VIRTUAL/i.test(r.sql)).map((r) => r.name);
  return rows
    .filter((r) => !virtual.some((v) => r.name.startsWith(`${v}_`)))
    .map((r) => ({ name: r.name, sql: r.sql, virtual: virtual.includes(r.name) }));
}

function columnsOf(db: Db, schema: 'main' | 'live', table: string): string[] {
  return db.prepare<[], { name: string }>(`PRAGMA ${schema}.table_info("${table}")`).all().map((c) => c.name);
}
