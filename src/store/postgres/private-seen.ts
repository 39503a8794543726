import type { AccountId, MailboxId, Uid } from '../types.js';
import type { PgClient, PgPool } from './database.js';
import { storeQuery } from './numbers.js';

/**
 * docs/architecture.md "Unit mailboxes", seen mode 'private', on PostgreSQL: table `private_seen`,
 * removed with its message rows (ON DELETE CASCADE). As in src/store/private-seen.ts, a change is
 * a flag change: the caller stamps the rows with a new MODSEQ in the same transaction.
 */
export async function privateSeenUids(on: PgPool | PgClient, mailbox: MailboxId, reader: AccountId): Promise<Set<Uid>> {
  const rows = await storeQuery<{ uid: Uid }>(on, 'SELECT uid FROM private_seen WHERE mailbox = $1 AND reader = $2', [mailbox, reader]);
  return new Set(rows.map((row) => row.uid));
}

/**
 * Inside the caller's transaction: sets or clears `reader`'s \Seen on `uids` (existing messages
 * only); returns the UIDs whose state changed, ascending.
 */
export async function setPrivateSeenIn(client: PgClient, mailbox: MailboxId, reader: AccountId, uids: readonly Uid[], seen: boolean): Promise<Uid[]> {
  if (uids.length === 0) return [];
  const changed = seen
    ? await storeQuery<{ uid: Uid }>(
        client,
        `INSERT INTO private_seen (mailbox, uid, reader)
         SELECT mailbox, uid, $3 FROM messages WHERE mailbox = $1 AND uid = ANY($2::bigint[])
         ON CONFLICT DO NOTHING RETURNING uid`,
        [mailbox, uids, reader],
      )
    : await storeQuery<{ uid: Uid }>(client, 'DELETE FROM private_seen WHERE mailbox = $1 AND reader = $3 AND uid = ANY($2::bigint[]) RETURNING uid', [
        mailbox,
        uids,
        reader,
      ]);
  return changed.map((row) => row.uid).sort((a, b) => a - b);
}

/** Inside the caller's transaction: forgets a reader everywhere (retention, before the address is given again). */
export async function forgetPrivateSeenReader(client: PgClient, reader: AccountId): Promise<void> {
  await storeQuery(client, 'DELETE FROM private_seen WHERE reader = $1', [reader]);
}
