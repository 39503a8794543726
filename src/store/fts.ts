import type { Statement } from 'better-sqlite3';
import { analyzeMessage } from '../mime/index.js';
import { foldVietnamese } from '../text/index.js';
import type { Db } from './database.js';
import type { MessageAnalysis, TextField } from './types.js';

/** Columns of `message_text` each IMAP SEARCH key looks in (RFC 3501 §6.4.4): TEXT is the header and the body. */
export const SEARCH_COLUMNS: Record<TextField, readonly SearchColumn[]> = {
  text: ['headers', 'body'],
  body: ['body'],
  subject: ['subject'],
  from: ['from_addr'],
  to: ['to_addr'],
  cc: ['cc_addr'],
  bcc: ['bcc_addr'],
  header: ['headers'],
};

export type SearchColumn = 'subject' | 'from_addr' | 'to_addr' | 'cc_addr' | 'bcc_addr' | 'headers' | 'body';
const FIELD_OF_COLUMN: Record<SearchColumn, keyof MessageAnalysis['searchText']> = {
  subject: 'subject',
  from_addr: 'from',
  to_addr: 'to',
  cc_addr: 'cc',
  bcc_addr: 'bcc',
  headers: 'headers',
  body: 'body',
};
const ALL_COLUMNS: readonly SearchColumn[] = ['subject', 'from_addr', 'to_addr', 'cc_addr', 'bcc_addr', 'headers', 'body'];

/** The trigram tokenizer indexes runs of 3 characters: a shorter string cannot be looked up, only scanned for. */
export const MIN_INDEXED_CHARS = 3;

/** GLOB's own syntax; a string holding one is scanned for instead of escaped (the index cannot use a `[*]` class). */
const GLOB_SPECIAL = /[*?[]/;

/**
 * How long a new body's text waits before it is indexed: the bodies of that time share one
 * transaction, so FTS5 writes one index segment for them instead of one per group commit, and
 * the delivery's own transaction (before its `250`) carries no index work.
 */
const INDEX_DELAY_MS = 200;
/** Bounds of one indexing transaction on the event loop (docs/architecture.md invariant 2): bodies, and characters of text. */
const INDEX_SLICE_BODIES = 256;
const INDEX_SLICE_CHARS = 4 * 1024 * 1024;
/** After a failed indexing transaction (a full disk, an I/O error), its bodies are tried again this much later. */
const INDEX_RETRY_MS = 5000;

type SearchText = MessageAnalysis['searchText'];

interface PendingText {
  readonly sha256: string;
  readonly text: SearchText;
}

/**
 * The search index: `message_text`, an FTS5 table with the trigram tokenizer (schema.ts), one row
 * per blob (rowid = blob id), so a message sent to 500 people is indexed once. Text and queries
 * are both folded by foldVietnamese (lowercase, diacritics off, đ → d), so a case-insensitive
 * substring match (RFC 3501 §6.4.4) and the Vietnamese diacritic-insensitive match are one test:
 * `folded text contains folded string`. The table keeps its text, so strings shorter than a
 * trigram are answered by a scan of the same rows (`instr`), never by "match everything".
 *
 * Indexing is not part of a delivery's transaction: a stored body's text waits in `pending` and
 * is indexed in a transaction of its own after INDEX_DELAY_MS (with the bodies stored meanwhile),
 * or at once when a search or close() asks. The index can always be rebuilt from the bodies, so
 * it is written without an fsync of its own (the next delivery's WAL sync covers it), and a body
 * left unindexed by a crash is indexed by backfill() at the next start of the server. Invariants:
 * - a pending body is indexed only if its row still holds the same body (sha256): one whose
 *   transaction rolled back, or that was purged meanwhile, is skipped, even if its row id was
 *   given to another body since;
 * - a search never misses a body for want of its index row: the store's connection indexes what
 *   is pending before it searches, and any connection scans the text of the bodies above the
 *   index's highest row (a search worker's connection cannot see this one's queue) and of those
 *   this connection failed to index (tried again after INDEX_RETRY_MS). Row ids of bodies only
 *   grow (SQLite gives max(rowid)+1), so a body below the highest row and not pending here was
 *   indexed — except one whose indexing failed in another process (the CLI) while it ran, which
 *   the server indexes at its next start.
 */
export class FullTextIndex {
  private readonly insert: Statement<[number, string, string, string, string, string, string, string]>;
  private readonly sameBody: Statement<[number, string], number>;
  private readonly hasRow: Statement<[number], number>;
  private readonly highestRow: Statement<[], number | null>;
  private readonly syncNormal: Statement;
  private readonly syncFull: Statement;
  private readonly indexed = new Map<SearchColumn, Statement<[string, number, number], number>>();
  private readonly scanned = new Map<SearchColumn, Statement<[string, number, number], number>>();
  private readonly pending = new Map<number, PendingText>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      'INSERT INTO message_text (rowid, subject, from_addr, to_addr, cc_addr, bcc_addr, headers, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.sameBody = db.prepare<[number, string], number>('SELECT 1 FROM blobs WHERE id = ? AND sha256 = ?').pluck();
    this.hasRow = db.prepare<[number], number>('SELECT 1 FROM message_text WHERE rowid = ?').pluck();
    this.highestRow = db.prepare<[], number | null>('SELECT max(rowid) FROM message_text').pluck();
    this.syncNormal = db.prepare('PRAGMA synchronous = NORMAL');
    this.syncFull = db.prepare('PRAGMA synchronous = FULL');
    for (const column of ALL_COLUMNS) {
      this.indexed.set(column, db.prepare<[string, number, number], number>(`SELECT rowid FROM message_text WHERE ${column} GLOB ? AND rowid BETWEEN ? AND ?`).pluck());
      this.scanned.set(column, db.prepare<[string, number, number], number>(`SELECT rowid FROM message_text WHERE instr(${column}, ?) > 0 AND rowid BETWEEN ? AND ?`).pluck());
    }
  }

  /** A body stored in the current transaction: indexed after that transaction (see the invariants). */
  enqueue(blob: number, sha256: string, text: SearchText): void {
    this.pending.set(blob, { sha256, text });
    this.timer ??= setTimeout(() => this.indexSlice(), INDEX_DELAY_MS).unref();
  }

  /** Indexes everything pending now (before a search on this connection, and at close). */
  indexPending(): void {
    while (this.pending.size > 0 && !this.db.inTransaction) {
      if (!this.indexNextSlice()) return;
    }
    if (this.pending.size === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /**
   * Which bodies have no index row yet: those above the highest row (bodies are given increasing
   * row ids, so new ones are there) and those this connection failed to index. One lookup of the
   * highest row, not one per body.
   */
  unindexedBounds(): { readonly highest: number; readonly pending: number[] } {
    return { highest: this.highestRow.get() ?? 0, pending: [...this.pending.keys()] };
  }

  /** The text of a body waiting to be indexed on this connection, so a search need not read and analyse it again. */
  waitingText(blob: number): SearchText | undefined {
    return this.pending.get(blob)?.text;
  }

  /** RFC 3501 §6.4.4 on one body's text, for a body without an index row: the index's own test, `folded text contains folded query`. */
  static textMatches(text: SearchText, field: TextField, query: string): boolean {
    const folded = foldVietnamese(query);
    return SEARCH_COLUMNS[field].some((column) => text[FIELD_OF_COLUMN[column]].includes(folded));
  }

  private indexSlice(): void {
    this.timer = null;
    // A transaction held open across an await elsewhere: try again after it.
    if (this.db.inTransaction) {
      this.timer = setTimeout(() => this.indexSlice(), INDEX_DELAY_MS).unref();
      return;
    }
    const indexed = this.indexNextSlice();
    if (this.pending.size > 0) this.timer = setTimeout(() => this.indexSlice(), indexed ? 0 : INDEX_RETRY_MS).unref();
  }

  /** False when the transaction failed: its bodies wait again (searches scan their text meanwhile). */
  private indexNextSlice(): boolean {
    const slice = this.takeSlice();
    try {
      this.indexBodies(slice);
      return true;
    } catch {
      for (const [blob, text] of slice) if (!this.pending.has(blob)) this.pending.set(blob, text);
      return false;
    }
  }

  private takeSlice(): Array<[number, PendingText]> {
    const slice: Array<[number, PendingText]> = [];
    let chars = 0;
    for (const entry of this.pending) {
      if (slice.length >= INDEX_SLICE_BODIES || (slice.length > 0 && chars >= INDEX_SLICE_CHARS)) break;
      slice.push(entry);
      chars += entry[1].text.body.length + entry[1].text.headers.length;
      this.pending.delete(entry[0]);
    }
    return slice;
  }

  private indexBodies(slice: ReadonlyArray<[number, PendingText]>): void {
    if (slice.length === 0) return;
    // PRAGMA synchronous may change only outside a transaction; FULL is back for every other write.
    this.syncNormal.run();
    try {
      // IMMEDIATE: the write lock first (busy_timeout waits for another process's), so the reads below stay true until COMMIT.
      this.db
        .transaction(() => {
          for (const [blob, { sha256, text }] of slice) {
            // Indexed meanwhile by another process's backfill (a server started beside this one).
            if (this.sameBody.get(blob, sha256) === undefined || this.hasRow.get(blob) !== undefined) continue;
            this.add(blob, text);
          }
        })
        .immediate();
    } finally {
      this.syncFull.run();
    }
  }

  private add(blob: number, text: SearchText): void {
    this.insert.run(blob, text.subject, text.from, text.to, text.cc, text.bcc, text.headers, text.body);
  }

  /**
   * Blob ids in [first, last] whose `field` contains `query` (folded on both sides). Callers
   * bound the range, so one call reads a bounded part of the index and the event loop is
   * released between calls.
   */
  matching(field: TextField, query: string, first: number, last: number): number[] {
    const folded = foldVietnamese(query);
    const useIndex = [...folded].length >= MIN_INDEXED_CHARS && !GLOB_SPECIAL.test(folded);
    const ids = new Set<number>();
    for (const column of SEARCH_COLUMNS[field]) {
      const statement = useIndex ? this.indexed.get(column)! : this.scanned.get(column)!;
      for (const id of statement.all(useIndex ? `*${folded}*` : folded, first, last)) ids.add(id);
    }
    return [...ids];
  }

  /**
   * Indexes the blobs without an index row: those stored before this index existed (the migration
   * that introduced it leaves it empty) and those a crash left pending: each body is analysed
   * again, as at delivery. Runs once at start-up, in one transaction per batch so a crash
   * half-way resumes where it stopped. Returns how many.
   */
  backfill(read: (id: number) => Buffer): number {
    const missing = this.db.prepare<[], number>('SELECT id FROM blobs WHERE id NOT IN (SELECT rowid FROM message_text) ORDER BY id').pluck().all();
    const batch = 500;
    for (let i = 0; i < missing.length; i += batch) {
      this.db
        .transaction(() => {
          for (const id of missing.slice(i, i + batch)) if (this.hasRow.get(id) === undefined) this.add(id, analyzeMessage(read(id)).searchText);
        })
        .immediate();
    }
    return missing.length;
  }
}
