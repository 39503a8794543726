/**
 * The store rows a message command works on. A command that names a few messages of a large
 * mailbox (a client's `UID FETCH 4711 (BODY.PEEK[])`, `UID STORE 12 +FLAGS (\Seen)`) reads just
 * those rows; one that names many reads the mailbox once, which beats a long `IN (…)` list.
 */
import type { MailStore } from '../store/index.js';
import type { MailboxId, MessageRow, ModSeq, Uid } from '../store/index.js';

/** Up to this many UIDs a command looks its rows up by UID (measured: see the imap bench note). */
export const FEW_MESSAGES = 256;

/**
 * Rows of `uids` (ascending, as sequence sets resolve) by UID; with `changedSince` only those with
 * a higher MODSEQ (RFC 7162 §3.1.4). UIDs the store no longer has are absent.
 */
export async function rowsOf(store: Pick<MailStore, 'listMessages' | 'getMessages'>, mailbox: MailboxId, uids: ArrayLike<number>, changedSince: ModSeq | null = null): Promise<Map<Uid, MessageRow>> {
  const rows = new Map<Uid, MessageRow>();
  if (uids.length <= FEW_MESSAGES) {
    for (const row of await store.getMessages(mailbox, Array.from(uids) as Uid[])) if (changedSince === null || row.modSeq > changedSince) rows.set(row.uid, row);
    return rows;
  }
  // Both lists ascend: one merge walk, no hashing of 10,000 UIDs.
  let next = 0;
  for (const row of await store.listMessages(mailbox, changedSince === null ? {} : { changedSince })) {
    while (next < uids.length && uids[next]! < row.uid) next++;
    if (next === uids.length) break;
    if (uids[next] === row.uid) rows.set(row.uid, row);
  }
  return rows;
}
