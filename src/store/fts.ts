import type { Statement } from 'better-sqlite3';
import { foldVietnamese } from '../text/index.js';
import type { Db } from './database.js';
import type { MessageAnalysis, TextField } from './types.js';

/** FTS5 column filter per IMAP SEARCH key (RFC 3501 §6.4.4): TEXT looks everywhere. */
const COLUMNS: Record<TextField, string | null> = {
  text: null,
  body: 'body',
  subject: 'subject',
  from: 'from_addr',
  to: 'to_addr',
  cc: 'cc_addr',
  bcc: 'bcc_addr',
};

/**
 * The full-text index: one row per blob (rowid = blob id), so a message sent to 500 people is
 * indexed once. The text arrives folded by foldVietnamese (MessageAnalysis contract) and queries
 * are folded the same way below: unicode61 keeps `đ` as a letter of its own, so folding on one
 * side only would make `dao` miss `Đào`.
 */
export class FullTextIndex {
  private readonly insert: Statement<[number, string, string, string, string, string, string]>;

  constructor(db: Db) {
    this.insert = db.prepare(
      'INSERT INTO message_fts (rowid, subject, from_addr, to_addr, cc_addr, bcc_addr, body) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
  }

  add(blob: number, text: MessageAnalysis['searchText']): void {
    this.insert.run(blob, text.subject, text.from, text.to, text.cc, text.bcc, text.body);
  }
}

/**
 * An FTS5 MATCH expression for an IMAP SEARCH string, or null when the string has no word in it
 * (the index holds words only, so such a string cannot be answered from it).
 *
 * IMAP SEARCH is a substring match; a word index approximates it as: the words of the query, in
 * order and adjacent, the last one as a prefix (`"nguyen van a" *` finds "Nguyễn Văn Ân").
 * The whole query is one FTS5 string, so its quotes and operators are data, not syntax.
 */
export function ftsMatchExpression(field: TextField, query: string): string | null {
  const folded = foldVietnamese(query);
  if (!/[\p{L}\p{N}]/u.test(folded)) return null;
  const phrase = `"${folded.replace(/"/g, '""')}" *`;
  const column = COLUMNS[field];
  return column === null ? phrase : `${column} : ${phrase}`;
}
