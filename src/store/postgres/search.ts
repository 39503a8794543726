import { foldVietnamese } from '../../text/index.js';
import { SEARCH_COLUMNS } from '../fts.js';
import type { MailboxId, TextField, Uid } from '../types.js';
import type { PgPool } from './database.js';
import { storeQuery } from './numbers.js';

/** LIKE's own syntax in a query, as text (RFC 3501 §6.4.4 strings are literal). */
const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (special) => `\\${special}`);

/**
 * RFC 3501 §6.4.4 text keys on PostgreSQL: the same test as SQLite's index (fts.ts),
 * `folded text contains folded query`, as `LIKE '%…%'` over `body_text`, whose columns hold the
 * text folded at delivery. pg_trgm's GIN indexes (postgres/schema.ts) answer a LIKE of 3
 * characters or more from the index; a shorter string is a scan of the mailbox's rows. The query
 * runs on the server, so the event loop is free meanwhile.
 */
export async function searchBodyText(pool: PgPool, mailbox: MailboxId, field: TextField, query: string): Promise<Set<Uid>> {
  // RFC 3501 §6.4.4: every text contains the empty string.
  if (query === '') {
    const rows = await storeQuery<{ uid: Uid }>(pool, 'SELECT uid FROM messages WHERE mailbox = $1 ORDER BY uid', [mailbox]);
    return new Set(rows.map((row) => row.uid));
  }
  const matches = SEARCH_COLUMNS[field].map((column) => `t.${column} LIKE $2`).join(' OR ');
  const rows = await storeQuery<{ uid: Uid }>(
    pool,
    `SELECT m.uid FROM messages m JOIN body_text t ON t.body_id = m.body WHERE m.mailbox = $1 AND (${matches}) ORDER BY m.uid`,
    [mailbox, `%${escapeLike(foldVietnamese(query))}%`],
  );
  return new Set(rows.map((row) => row.uid));
}
