import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { analyzeMessage } from '../../mime/index.js';
import type { Db } from '../database.js';
import { StoreError, type BlobId } from '../types.js';
import { PgBlobStore } from './blob-store.js';
import { inPgTransaction, migratePostgres, openPostgresPool, type PgClient, type PgPool } from './database.js';
import { copyPaged, PAGE } from './copy-paged.js';
import { copySieveRows, verifySieveCopy, type SieveCopyReport } from './copy-sieve.js';
import { storeQuery } from './numbers.js';
import { PG_STORE_MIGRATIONS } from './schema.js';
import { PG_SIEVE_MIGRATIONS } from './sieve.js';
import { migrateImportLedger } from './mbox-import.js';
import { migrateDiligenceMemory } from './unit-diligence.js';

/** What `migrate` copied, and what it checked after copying. */
export interface StoreCopyReport {
  readonly mailboxes: number;
  readonly messages: number;
  readonly bodies: number;
  readonly bodyBytes: number;
  readonly subscriptions: number;
  readonly expunged: number;
  readonly privateSeen: number;
  readonly sieveScripts: number;
  readonly vacationReplies: number;
  /** Unit diligence memory (Điều 9.2): messages a reminder named, and digests sent per unit and day. */
  readonly unitReminders: number;
  readonly unitDigests: number;
  /** Rows of the `import` ledger: an import run again on PostgreSQL skips what came in on SQLite. */
  readonly importLedger: number;
  /** Bodies whose search text was not indexed yet in SQLite and was extracted from the bytes. */
  readonly textExtracted: number;
}

/**
 * Copies the mail, Sieve scripts and vacation record (copy-sieve.ts) of a SQLite installation into
 * an empty PostgreSQL store (docs/postgres.en.md "Moving an installation"), keeping every number a
 * client has cached: mailbox ids, UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, each message's UID,
 * MODSEQ, flags and internal date, the VANISHED history and private \Seen (RFC 3501 §2.3.1.1,
 * RFC 7162 §3), so clients do not resynchronise.
 * The unit diligence memory comes along (src/store/unit-diligence.ts): without it the first check
 * on PostgreSQL would remind every unit of messages already named, and send the day's digest again;
 * so does the `import` ledger (src/store/mbox.ts), so an import run again skips what is in.
 *
 * - The SQLite side is one read transaction: a consistent snapshot even while `serve` runs (WAL).
 * - The PostgreSQL side is one transaction, checked before COMMIT (same mailboxes and counters,
 *   the same message rows, every body's bytes hashing to its digest): a failed copy leaves the
 *   target as empty as it was.
 * - ENVELOPE/BODYSTRUCTURE and the protocol cache are copied as stored, so FETCH answers are
 *   byte-identical; search text comes from SQLite's index, or from the bytes for bodies not
 *   indexed yet.
 */
export async function copySqliteStoreToPostgres(db: Db, pool: PgPool): Promise<StoreCopyReport> {
  if (!db.prepare("SELECT 1 FROM schema_migrations WHERE component = 'store'").get()) {
    throw new StoreError('nonexistent', `${db.name} holds no cantho-mail store`);
  }
  await migratePostgres(pool, 'store', PG_STORE_MIGRATIONS);
  await migratePostgres(pool, 'sieve', PG_SIEVE_MIGRATIONS);
  await migrateImportLedger(pool);
  await migrateDiligenceMemory(pool);
  db.prepare('BEGIN').run();
  try {
    return await inPgTransaction(pool, async (client) => {
      const [existing] = await storeQuery<{ count: number }>(client, 'SELECT count(*)::int AS count FROM mailboxes');
      if (existing!.count > 0) throw new StoreError('already-exists', 'the PostgreSQL store already holds mailboxes: migrate copies into an empty database only');
      const report = { ...(await copyRows(db, client, new PgBlobStore(pool))), ...(await copySieveRows(db, client)) };
      await verifyCopy(db, client);
      await verifySieveCopy(db, client);
      return report;
    });
  } finally {
    db.prepare('COMMIT').run();
  }
}

async function copyRows(db: Db, client: PgClient, blobs: PgBlobStore): Promise<Omit<StoreCopyReport, keyof SieveCopyReport>> {
  for (const row of db.prepare<[], { key: string; value: number }>('SELECT key, value FROM store_state').all()) {
    await storeQuery(client, 'INSERT INTO store_state (key, value) VALUES ($1, $2)', [row.key, row.value]);
  }
  const mailboxes = db
    .prepare<[], { id: number; account: string; name: string; special_use: string | null; uidvalidity: number; uidnext: number; highestmodseq: number }>(
      'SELECT id, account, name, special_use, uidvalidity, uidnext, highestmodseq FROM mailboxes ORDER BY id',
    )
    .all();
  for (const m of mailboxes) {
    await storeQuery(
      client,
      'INSERT INTO mailboxes (id, account, name, special_use, uidvalidity, uidnext, highestmodseq) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [m.id, m.account, m.name, m.special_use, m.uidvalidity, m.uidnext, m.highestmodseq],
    );
  }
  // Ids were given explicitly: the sequence continues after the highest, for mailboxes created later.
  await storeQuery(client, `SELECT setval(pg_get_serial_sequence('mailboxes', 'id'), greatest((SELECT max(id) FROM mailboxes), 1))`);
  const subscriptions = db.prepare<[], { account: string; name: string }>('SELECT account, name FROM subscriptions').all();
  for (const s of subscriptions) await storeQuery(client, 'INSERT INTO subscriptions (account, name) VALUES ($1, $2)', [s.account, s.name]);

  const bodies = await copyBodies(db, client, blobs);
  const messages = await copyMessages(db, client, bodies.bodyIds);
  const expunged = await copyPaged(
    db,
    client,
    'SELECT mailbox, uid, modseq FROM expunged WHERE (mailbox, uid) > (?, ?) ORDER BY mailbox, uid LIMIT ?',
    (row: { mailbox: number; uid: number; modseq: number }) => [row.mailbox, row.uid],
    'INSERT INTO expunged (mailbox, uid, modseq) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])',
    (rows) => [rows.map((r) => r.mailbox), rows.map((r) => r.uid), rows.map((r) => r.modseq)],
  );
  for (const h of db.prepare<[], { mailbox: number; kept: number; floor: number }>('SELECT mailbox, kept, floor FROM expunge_history').all()) {
    await storeQuery(client, 'INSERT INTO expunge_history (mailbox, kept, floor) VALUES ($1, $2, $3)', [h.mailbox, h.kept, h.floor]);
  }
  const privateSeen = await copyPaged(
    db,
    client,
    'SELECT mailbox, uid, reader FROM private_seen WHERE (mailbox, uid, reader) > (?, ?, ?) ORDER BY mailbox, uid, reader LIMIT ?',
    (row: { mailbox: number; uid: number; reader: string }) => [row.mailbox, row.uid, row.reader],
    'INSERT INTO private_seen (mailbox, uid, reader) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[])',
    (rows) => [rows.map((r) => r.mailbox), rows.map((r) => r.uid), rows.map((r) => r.reader)],
    [0, 0, ''],
  );
  const diligence = await copyDiligenceMemory(db, client);
  const importLedger = await copyImportLedger(db, client);
  return {
    mailboxes: mailboxes.length,
    messages,
    bodies: bodies.bodyIds.size,
    bodyBytes: bodies.bytes,
    subscriptions: subscriptions.length,
    expunged,
    privateSeen,
    ...diligence,
    importLedger,
    textExtracted: bodies.textExtracted,
  };
}

/** The `import` ledger, when the SQLite file has one (no import ever ran: none). */
async function copyImportLedger(db: Db, client: PgClient): Promise<number> {
  if (!db.prepare("SELECT 1 FROM schema_migrations WHERE component = 'mbox-import'").get()) return 0;
  return copyPaged(
    db,
    client,
    'SELECT mailbox, sha256, occurrence, uid, imported_at FROM mbox_imports WHERE (mailbox, sha256, occurrence) > (?, ?, ?) ORDER BY mailbox, sha256, occurrence LIMIT ?',
    (row: { mailbox: number; sha256: string; occurrence: number; uid: number; imported_at: string }) => [row.mailbox, row.sha256, row.occurrence],
    `INSERT INTO mbox_imports (mailbox, sha256, occurrence, uid, imported_at)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::bigint[], $5::timestamptz[])`,
    (rows) => [rows.map((r) => r.mailbox), rows.map((r) => r.sha256), rows.map((r) => r.occurrence), rows.map((r) => r.uid), rows.map((r) => r.imported_at)],
    [0, '', 0],
  );
}

/** The unit diligence memory, when the SQLite file has one (a file no serve of this version opened has none). */
async function copyDiligenceMemory(db: Db, client: PgClient): Promise<Pick<StoreCopyReport, 'unitReminders' | 'unitDigests'>> {
  if (!db.prepare("SELECT 1 FROM schema_migrations WHERE component = 'unit-diligence'").get()) return { unitReminders: 0, unitDigests: 0 };
  const unitReminders = await copyPaged(
    db,
    client,
    'SELECT mailbox, uid, reminded_at FROM unit_reminders WHERE (mailbox, uid) > (?, ?) ORDER BY mailbox, uid LIMIT ?',
    (row: { mailbox: number; uid: number; reminded_at: string }) => [row.mailbox, row.uid],
    'INSERT INTO unit_reminders (mailbox, uid, reminded_at) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[])',
    (rows) => [rows.map((r) => r.mailbox), rows.map((r) => r.uid), rows.map((r) => r.reminded_at)],
  );
  const unitDigests = await copyPaged(
    db,
    client,
    'SELECT account, day, sent_at FROM unit_digests WHERE (account, day) > (?, ?) ORDER BY account, day LIMIT ?',
    (row: { account: string; day: string; sent_at: string }) => [row.account, row.day],
    'INSERT INTO unit_digests (account, day, sent_at) SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])',
    (rows) => [rows.map((r) => r.account), rows.map((r) => r.day), rows.map((r) => r.sent_at)],
    ['', ''],
  );
  return { unitReminders, unitDigests };
}

interface BodyRow {
  id: number;
  sha256: string;
  size: number;
  header_size: number;
  envelope: string;
  structure: string;
  protocol_cache: string | null;
}

interface SearchTextRow {
  subject: string;
  from_addr: string;
  to_addr: string;
  cc_addr: string;
  bcc_addr: string;
  headers: string;
  body: string;
}

/** Bodies one at a time (a 25 MB body is the most held), deduplicated as they are in SQLite. */
async function copyBodies(db: Db, client: PgClient, blobs: PgBlobStore): Promise<{ bodyIds: Map<number, number>; bytes: number; textExtracted: number }> {
  const page = db.prepare<[number, number], BodyRow>(
    'SELECT id, sha256, size, header_size, envelope, structure, protocol_cache FROM blobs WHERE id > ? ORDER BY id LIMIT ?',
  );
  const chunks = db.prepare<[number], Buffer>('SELECT data FROM blob_chunks WHERE blob = ? ORDER BY seq').pluck();
  const indexedText = db.prepare<[number], SearchTextRow>(
    'SELECT subject, from_addr, to_addr, cc_addr, bcc_addr, headers, body FROM message_text WHERE rowid = ?',
  );
  const bodyIds = new Map<number, number>();
  let bytes = 0;
  let textExtracted = 0;
  for (let after = 0; ; ) {
    const rows = page.all(after, PAGE);
    if (rows.length === 0) break;
    for (const row of rows) {
      const pieces = chunks.all(row.id);
      await blobs.storeIn(client, row.sha256 as BlobId, pieces);
      const [body] = await storeQuery<{ id: number }>(
        client,
        'INSERT INTO bodies (digest, header_size, envelope, structure, protocol_cache) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        [row.sha256, row.header_size, row.envelope, row.structure, row.protocol_cache],
      );
      let text = indexedText.get(row.id);
      if (text === undefined) {
        // Indexed after the commit in SQLite (fts.ts), and this one was still waiting.
        const searchText = analyzeMessage(Buffer.concat(pieces)).searchText;
        text = { subject: searchText.subject, from_addr: searchText.from, to_addr: searchText.to, cc_addr: searchText.cc, bcc_addr: searchText.bcc, headers: searchText.headers, body: searchText.body };
        textExtracted++;
      }
      await storeQuery(
        client,
        'INSERT INTO body_text (body_id, subject, from_addr, to_addr, cc_addr, bcc_addr, headers, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        [body!.id, text.subject, text.from_addr, text.to_addr, text.cc_addr, text.bcc_addr, text.headers, text.body],
      );
      bodyIds.set(row.id, body!.id);
      bytes += row.size;
    }
    after = rows[rows.length - 1]!.id;
  }
  return { bodyIds, bytes, textExtracted };
}

interface MessageRow {
  mailbox: number;
  uid: number;
  modseq: number;
  system: number;
  keywords: string;
  internal_date: number;
  size: number;
  recent: number;
  blob: number;
}

async function copyMessages(db: Db, client: PgClient, bodyIds: ReadonlyMap<number, number>): Promise<number> {
  return copyPaged(
    db,
    client,
    'SELECT mailbox, uid, modseq, system, keywords, internal_date, size, recent, blob FROM messages WHERE (mailbox, uid) > (?, ?) ORDER BY mailbox, uid LIMIT ?',
    (row: MessageRow) => [row.mailbox, row.uid],
    `INSERT INTO messages (mailbox, uid, modseq, system, keywords, internal_date, size, recent, body)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::int[], $5::text[], $6::bigint[], $7::bigint[], $8::boolean[], $9::bigint[])`,
    (rows) => [
      rows.map((r) => r.mailbox),
      rows.map((r) => r.uid),
      rows.map((r) => r.modseq),
      rows.map((r) => r.system),
      rows.map((r) => r.keywords),
      rows.map((r) => r.internal_date),
      rows.map((r) => r.size),
      rows.map((r) => r.recent !== 0),
      rows.map((r) => bodyIds.get(r.blob)!),
    ],
  );
}

/**
 * The checks before COMMIT: every mailbox's counters and message rows equal on both sides (a
 * digest over the ordered rows of each mailbox), and every body's stored chunks hashing to its
 * digest. Throws StoreError 'cannot' naming the first difference.
 */
async function verifyCopy(db: Db, client: PgClient): Promise<void> {
  const mailboxes = db.prepare<[], { id: number; name: string; account: string; uidvalidity: number; uidnext: number; highestmodseq: number; total_size: number }>(
    'SELECT id, account, name, uidvalidity, uidnext, highestmodseq, total_size FROM mailboxes ORDER BY id',
  ).all();
  const target = new Map(
    (
      await storeQuery<{ id: number; uidvalidity: number; uidnext: number; highestmodseq: number; total_size: number }>(
        client,
        'SELECT id, uidvalidity, uidnext, highestmodseq, total_size FROM mailboxes',
      )
    ).map((row) => [Number(row.id), row]),
  );
  if (target.size !== mailboxes.length) throw new StoreError('cannot', `copied ${target.size} mailboxes of ${mailboxes.length}`);
  const sourceRows = db.prepare<[number], MessageRow & { sha256: string }>(
    `SELECT m.uid, m.modseq, m.system, m.keywords, m.internal_date, m.size, b.sha256 FROM messages m JOIN blobs b ON b.id = m.blob WHERE m.mailbox = ? ORDER BY m.uid`,
  );
  for (const m of mailboxes) {
    const copied = target.get(m.id);
    const same = copied && ['uidvalidity', 'uidnext', 'highestmodseq', 'total_size'].every((k) => Number(copied[k as keyof typeof copied]) === m[k as keyof typeof m]);
    if (!same) throw new StoreError('cannot', `mailbox ${m.account} ${m.name}: counters differ after the copy`);
    const source = rowsDigest(sourceRows.all(m.id));
    const copiedRows = await storeQuery<MessageRow & { sha256: string }>(
      client,
      `SELECT m.uid, m.modseq, m.system, m.keywords, m.internal_date, m.size, b.digest AS sha256 FROM messages m JOIN bodies b ON b.id = m.body WHERE m.mailbox = $1 ORDER BY m.uid`,
      [m.id],
    );
    if (rowsDigest(copiedRows) !== source) throw new StoreError('cannot', `mailbox ${m.account} ${m.name}: messages differ after the copy`);
  }
  await verifyBodies(client);
}

function rowsDigest(rows: ReadonlyArray<{ uid: number; modseq: number; system: number; keywords: string; internal_date: number; size: number; sha256: string }>): string {
  const hash = createHash('sha256');
  for (const r of rows) hash.update(`${Number(r.uid)} ${Number(r.modseq)} ${r.system} ${r.keywords} ${Number(r.internal_date)} ${Number(r.size)} ${r.sha256}\n`);
  return hash.digest('hex');
}

/** Every body's chunks, read back from PostgreSQL, hash to its digest and add up to its size. */
async function verifyBodies(client: PgClient): Promise<void> {
  for (let after = ''; ; ) {
    const page = await storeQuery<{ digest: string; size: number }>(client, 'SELECT digest, size FROM blobs WHERE digest > $1 ORDER BY digest LIMIT $2', [after, PAGE]);
    if (page.length === 0) return;
    for (const blob of page) {
      const hash = createHash('sha256');
      let size = 0;
      for (const chunk of await storeQuery<{ data: Buffer }>(client, 'SELECT data FROM blob_chunks WHERE digest = $1 ORDER BY seq', [blob.digest])) {
        hash.update(chunk.data);
        size += chunk.data.length;
      }
      if (hash.digest('hex') !== blob.digest || size !== Number(blob.size)) throw new StoreError('cannot', `body ${blob.digest}: its copied bytes do not match`);
    }
    after = page[page.length - 1]!.digest;
  }
}

/**
 * `cantho-mail migrate --from sqlite:PATH --to postgres:URL`: the copy above between an existing
 * SQLite file, opened read-only (a missing file is an error, never a new database: DESIGN.md
 * "CLI"), and a PostgreSQL database.
 */
export async function migrateSqliteFileToPostgres(file: string, url: string, poolSize = 4): Promise<StoreCopyReport> {
  let db: Db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new StoreError('nonexistent', `cannot open ${file}: ${(error as Error).message}`);
  }
  const pool = openPostgresPool(url, { poolSize });
  try {
    return await copySqliteStoreToPostgres(db, pool);
  } finally {
    db.close();
    await pool.end();
  }
}
