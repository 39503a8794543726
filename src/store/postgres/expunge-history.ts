import { pruneThreshold } from '../expunge-history.js';
import type { MailboxId, ModSeq, Uid } from '../types.js';
import type { PgClient, PgPool } from './database.js';
import { storeQuery } from './numbers.js';

/**
 * RFC 7162 VANISHED history on PostgreSQL (tables `expunged`, `expunge_history`), with the
 * pruning rule and its floor of src/store/expunge-history.ts. The caller holds the mailbox row's
 * lock, so two nodes never prune one mailbox at once.
 */
export class PgExpungeHistory {
  constructor(private readonly keep: number) {}

  /** Inside the caller's transaction: remembers `uids` as expunged at `modSeq`, pruning by the rule. */
  async record(client: PgClient, mailbox: MailboxId, uids: readonly Uid[], modSeq: number): Promise<void> {
    await storeQuery(client, 'INSERT INTO expunged (mailbox, uid, modseq) SELECT $1, uid, $3 FROM unnest($2::bigint[]) AS uid', [mailbox, uids, modSeq]);
    const [{ kept }] = (await storeQuery<{ kept: number }>(
      client,
      `INSERT INTO expunge_history (mailbox, kept) VALUES ($1, $2)
       ON CONFLICT (mailbox) DO UPDATE SET kept = expunge_history.kept + excluded.kept RETURNING kept`,
      [mailbox, uids.length],
    )) as [{ kept: number }];
    if (kept <= pruneThreshold(this.keep)) return;
    // The MODSEQ of the (keep+1)-th newest record: it and everything older goes.
    const [cutoff] = await storeQuery<{ modseq: number }>(
      client,
      'SELECT modseq FROM expunged WHERE mailbox = $1 ORDER BY modseq DESC LIMIT 1 OFFSET $2',
      [mailbox, this.keep],
    );
    if (cutoff === undefined) return;
    await storeQuery(client, 'DELETE FROM expunged WHERE mailbox = $1 AND modseq <= $2', [mailbox, cutoff.modseq]);
    await storeQuery(
      client,
      `UPDATE expunge_history SET floor = greatest(floor, $2), kept = (SELECT count(*) FROM expunged WHERE mailbox = $1) WHERE mailbox = $1`,
      [mailbox, cutoff.modseq],
    );
  }

  /** UIDs expunged with a MODSEQ above `since`, ascending; null when pruning removed part of that history. */
  async since(pool: PgPool, mailbox: MailboxId, since: ModSeq): Promise<Uid[] | null> {
    const [history] = await storeQuery<{ floor: number }>(pool, 'SELECT floor FROM expunge_history WHERE mailbox = $1', [mailbox]);
    if (since < (history?.floor ?? 0)) return null;
    const rows = await storeQuery<{ uid: Uid }>(pool, 'SELECT uid FROM expunged WHERE mailbox = $1 AND modseq > $2 ORDER BY uid', [mailbox, since]);
    return rows.map((row) => row.uid);
  }
}
