/**
 * Rows as one reader sees them in seen mode 'private' (docs/architecture.md "Unit mailboxes"): the
 * team's \Seen replaced by the reader's own. Used by the session's ReaderView (seen-view.ts) and by
 * the search worker threads (search/worker.ts), which read rows on their own connection.
 */
import type { Flag, MessageRow, Uid } from '../store/index.js';

export const SEEN = '\\Seen';
export const isSeen = (flag: Flag): boolean => flag.toLowerCase() === '\\seen';

export function rowsSeenBy(rows: readonly MessageRow[], seen: ReadonlySet<Uid>): MessageRow[] {
  return rows.map((row) => {
    const flags = row.flags.filter((flag) => !isSeen(flag));
    return { ...row, flags: seen.has(row.uid) ? [SEEN, ...flags] : flags };
  });
}
