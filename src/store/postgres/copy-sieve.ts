import { createHash } from 'node:crypto';
import type { Db } from '../database.js';
import { StoreError } from '../types.js';
import { copyPaged, PAGE } from './copy-paged.js';
import type { PgClient } from './database.js';
import { storeQuery } from './numbers.js';

/**
 * The Sieve part of `migrate` (docs/postgres.en.md "Moving an installation"): every account's
 * scripts, which one is active, and the vacation reply record, so that no sender is answered
 * twice within the period after the move (RFC 5230 §4.2). Runs inside the store copy's SQLite
 * read transaction and PostgreSQL transaction, and is checked before its COMMIT as the mail is.
 */

export interface SieveCopyReport {
  readonly sieveScripts: number;
  readonly vacationReplies: number;
}

interface ScriptRow {
  account: string;
  name: string;
  content: string;
  active: number | boolean;
  updated_at: number;
}

interface ReplyRow {
  account: string;
  sender: string;
  handle: string;
  sent_at: number;
}

/** True when the SQLite file has Sieve tables: an installation whose serve never started has none. */
function hasSieve(db: Db): boolean {
  return db.prepare("SELECT 1 FROM schema_migrations WHERE component = 'sieve'").get() !== undefined;
}

export async function copySieveRows(db: Db, client: PgClient): Promise<SieveCopyReport> {
  const [existing] = await storeQuery<{ count: number }>(client, 'SELECT count(*) AS count FROM sieve_scripts');
  if (existing!.count > 0) throw new StoreError('already-exists', 'the PostgreSQL store already holds Sieve scripts: migrate copies into an empty database only');
  if (!hasSieve(db)) return { sieveScripts: 0, vacationReplies: 0 };
  const sieveScripts = await copyPaged(
    db,
    client,
    'SELECT account, name, content, active, updated_at FROM sieve_scripts WHERE (account, name) > (?, ?) ORDER BY account, name LIMIT ?',
    (row: ScriptRow) => [row.account, row.name],
    'INSERT INTO sieve_scripts (account, name, content, active, updated_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::bigint[])',
    (rows) => [rows.map((r) => r.account), rows.map((r) => r.name), rows.map((r) => r.content), rows.map((r) => r.active === 1), rows.map((r) => r.updated_at)],
    ['', ''],
  );
  const vacationReplies = await copyPaged(
    db,
    client,
    'SELECT account, sender, handle, sent_at FROM vacation_replies WHERE (account, sender, handle) > (?, ?, ?) ORDER BY account, sender, handle LIMIT ?',
    (row: ReplyRow) => [row.account, row.sender, row.handle],
    'INSERT INTO vacation_replies (account, sender, handle, sent_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])',
    (rows) => [rows.map((r) => r.account), rows.map((r) => r.sender), rows.map((r) => r.handle), rows.map((r) => r.sent_at)],
    ['', '', ''],
  );
  return { sieveScripts, vacationReplies };
}

/**
 * Both tables equal on both sides: a digest over their rows in key order (byte order on both:
 * SQLite's BINARY collation, PostgreSQL's "C"), read a page at a time. Throws StoreError 'cannot'
 * naming the table.
 */
export async function verifySieveCopy(db: Db, client: PgClient): Promise<void> {
  if (!hasSieve(db)) return;
  const scripts = (r: ScriptRow) => [r.account, r.name, r.content, r.active === 1 || r.active === true, Number(r.updated_at)];
  if (!(await sameOnBoth(db, client, 'sieve_scripts', ['account', 'name'], ['content', 'active', 'updated_at'], scripts))) {
    throw new StoreError('cannot', 'Sieve scripts differ after the copy');
  }
  const replies = (r: ReplyRow) => [r.account, r.sender, r.handle, Number(r.sent_at)];
  if (!(await sameOnBoth(db, client, 'vacation_replies', ['account', 'sender', 'handle'], ['sent_at'], replies))) {
    throw new StoreError('cannot', 'vacation replies differ after the copy');
  }
}

/** Whether `table` holds the same rows in SQLite and PostgreSQL; `key` and `columns` are constants of this file. */
async function sameOnBoth<Row>(db: Db, client: PgClient, table: string, key: readonly string[], columns: readonly string[], valuesOf: (row: Row) => unknown[]): Promise<boolean> {
  const list = [...key, ...columns].join(', ');
  const source = createHash('sha256');
  for (const row of db.prepare<[], Row>(`SELECT ${list} FROM ${table} ORDER BY ${key.join(', ')}`).iterate()) source.update(`${JSON.stringify(valuesOf(row))}\n`);
  const copied = createHash('sha256');
  const inC = key.map((k) => `${k} COLLATE "C"`).join(', ');
  const after = key.map((_, i) => `$${i + 1}`).join(', ');
  for (let last: unknown[] = key.map(() => ''); ; ) {
    const page = await storeQuery<Row & Record<string, unknown>>(client, `SELECT ${list} FROM ${table} WHERE ROW(${inC}) > ROW(${after}) ORDER BY ${inC} LIMIT ${PAGE}`, last);
    for (const row of page) copied.update(`${JSON.stringify(valuesOf(row))}\n`);
    if (page.length < PAGE) break;
    const end = page[page.length - 1]!;
    last = key.map((k) => end[k]);
  }
  return source.digest('hex') === copied.digest('hex');
}
