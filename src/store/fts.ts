import type { Statement } from 'better-sqlite3';
import { analyzeMessage } from '../mime/index.js';
import { foldVietnamese } from '../text/index.js';
import type { Db } from './database.js';
import type { MessageAnalysis, TextField } from './types.js';

/** Columns of `message_text` each IMAP SEARCH key looks in (RFC 3501 §6.4.4): TEXT is the header and the body. */
const COLUMNS: Record<TextField, readonly Column[]> = {
  text: ['headers', 'body'],
  body: ['body'],
  subject: ['subject'],
  from: ['from_addr'],
  to: ['to_addr'],
  cc: ['cc_addr'],
  bcc: ['bcc_addr'],
  header: ['headers'],
};

type Column = 'subject' | 'from_addr' | 'to_addr' | 'cc_addr' | 'bcc_addr' | 'headers' | 'body';
const ALL_COLUMNS: readonly Column[] = ['subject', 'from_addr', 'to_addr', 'cc_addr', 'bcc_addr', 'headers', 'body'];

/** The trigram tokenizer indexes runs of 3 characters: a shorter string cannot be looked up, only scanned for. */
export const MIN_INDEXED_CHARS = 3;

/** GLOB's own syntax; a string holding one is scanned for instead of escaped (the index cannot use a `[*]` class). */
const GLOB_SPECIAL = /[*?[]/;

/**
 * The search index: `message_text`, an FTS5 table with the trigram tokenizer (schema.ts), one row
 * per blob (rowid = blob id), so a message sent to 500 people is indexed once. Text and queries
 * are both folded by foldVietnamese (lowercase, diacritics off, đ → d), so a case-insensitive
 * substring match (RFC 3501 §6.4.4) and the Vietnamese diacritic-insensitive match are one test:
 * `folded text contains folded string`. The table keeps its text, so strings shorter than a
 * trigram are answered by a scan of the same rows (`instr`), never by "match everything".
 */
export class FullTextIndex {
  private readonly insert: Statement<[number, string, string, string, string, string, string, string]>;
  private readonly indexed = new Map<Column, Statement<[string, number, number], number>>();
  private readonly scanned = new Map<Column, Statement<[string, number, number], number>>();

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      'INSERT INTO message_text (rowid, subject, from_addr, to_addr, cc_addr, bcc_addr, headers, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const column of ALL_COLUMNS) {
      this.indexed.set(column, db.prepare<[string, number, number], number>(`SELECT rowid FROM message_text WHERE ${column} GLOB ? AND rowid BETWEEN ? AND ?`).pluck());
      this.scanned.set(column, db.prepare<[string, number, number], number>(`SELECT rowid FROM message_text WHERE instr(${column}, ?) > 0 AND rowid BETWEEN ? AND ?`).pluck());
    }
  }

  add(blob: number, text: MessageAnalysis['searchText']): void {
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
    for (const column of COLUMNS[field]) {
      const statement = useIndex ? this.indexed.get(column)! : this.scanned.get(column)!;
      for (const id of statement.all(useIndex ? `*${folded}*` : folded, first, last)) ids.add(id);
    }
    return [...ids];
  }

  /**
   * Indexes the blobs stored before this index existed (the migration that introduced it leaves
   * it empty): each body is analysed again, as at delivery. Runs once at start-up, in one
   * transaction per batch so a crash half-way resumes where it stopped. Returns how many.
   */
  backfill(read: (id: number) => Buffer): number {
    const missing = this.db.prepare<[], number>('SELECT id FROM blobs WHERE id NOT IN (SELECT rowid FROM message_text) ORDER BY id').pluck().all();
    const batch = 500;
    for (let i = 0; i < missing.length; i += batch) {
      this.db.transaction(() => {
        for (const id of missing.slice(i, i + batch)) this.add(id, analyzeMessage(read(id)).searchText);
      })();
    }
    return missing.length;
  }
}
