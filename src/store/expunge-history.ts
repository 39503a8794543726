import { migrate, type Db, type Migration } from './database.js';
import type { MailboxId, ModSeq, Uid } from './types.js';

/**
 * The expunged-UID history behind RFC 7162 VANISHED (table `expunged`, schema.ts), bounded.
 *
 * Pruning rule (docs/architecture.md "QRESYNC history"): each mailbox keeps the records of at
 * least its `keep` most recently expunged UIDs (`[imap] vanished_history`). When it holds more
 * than `keep` plus a quarter (so pruning is not paid on every EXPUNGE), the oldest records are
 * deleted down to `keep`, whole MODSEQs at a time, and the mailbox's `floor` becomes the highest
 * MODSEQ deleted. The history is therefore complete for every MODSEQ at or above the floor:
 * `since(m, s)` answers exactly when `s >= floor`, and null otherwise, so the IMAP side can give a
 * client whose state is older the full resync answer of RFC 7162 §3.2.5.2 instead of a wrong one.
 *
 * Bookkeeping (component "expunge-history" in schema_migrations): `kept` counts the records of
 * the mailbox, so deciding whether to prune never scans them. It can only over-count (rows going
 * with a deleted mailbox take their counter along), which prunes early: less history, never wrong.
 */
const EXPUNGE_HISTORY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE expunge_history (
        mailbox INTEGER PRIMARY KEY REFERENCES mailboxes(id) ON DELETE CASCADE,
        kept INTEGER NOT NULL DEFAULT 0,
        floor INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX expunged_modseq ON expunged (mailbox, modseq);
      INSERT INTO expunge_history (mailbox, kept) SELECT mailbox, count(*) FROM expunged GROUP BY mailbox;
    `,
  },
];

/** `[imap] vanished_history` when the config leaves it out. */
export const DEFAULT_VANISHED_HISTORY = 10_000;

/** The pruning rule above: a mailbox's records are pruned back to `keep` once they exceed this. */
export function pruneThreshold(keep: number): number {
  return keep + Math.ceil(keep / 4);
}

export class ExpungeHistory {
  private readonly insert;
  private readonly count;
  private readonly cutoff;
  private readonly prune;
  private readonly raiseFloor;
  private readonly floorOf;
  private readonly uidsSince;

  constructor(
    db: Db,
    private readonly keep: number,
  ) {
    migrate(db, 'expunge-history', EXPUNGE_HISTORY_MIGRATIONS);
    this.insert = db.prepare<[number, number, number]>('INSERT INTO expunged (mailbox, uid, modseq) VALUES (?, ?, ?)');
    this.count = db.prepare<[{ mailbox: number; added: number }], number>(
      `INSERT INTO expunge_history (mailbox, kept) VALUES (@mailbox, @added)
       ON CONFLICT (mailbox) DO UPDATE SET kept = kept + @added RETURNING kept`,
    ).pluck();
    // The MODSEQ of the (keep+1)-th newest record: it and everything older goes.
    this.cutoff = db.prepare<[number, number], number>('SELECT modseq FROM expunged WHERE mailbox = ? ORDER BY modseq DESC LIMIT 1 OFFSET ?').pluck();
    this.prune = db.prepare<[number, number]>('DELETE FROM expunged WHERE mailbox = ? AND modseq <= ?');
    this.raiseFloor = db.prepare<[{ mailbox: number; cutoff: number }]>(
      'UPDATE expunge_history SET floor = max(floor, @cutoff), kept = (SELECT count(*) FROM expunged WHERE mailbox = @mailbox) WHERE mailbox = @mailbox',
    );
    this.floorOf = db.prepare<[number], number>('SELECT floor FROM expunge_history WHERE mailbox = ?').pluck();
    this.uidsSince = db.prepare<[number, number], number>('SELECT uid FROM expunged WHERE mailbox = ? AND modseq > ? ORDER BY uid').pluck();
  }

  /** Inside the caller's transaction: remembers `uids` as expunged at `modSeq`, pruning by the rule above. */
  record(mailbox: MailboxId, uids: readonly Uid[], modSeq: number): void {
    for (const uid of uids) this.insert.run(mailbox, uid, modSeq);
    const kept = this.count.get({ mailbox, added: uids.length })!;
    if (kept <= pruneThreshold(this.keep)) return;
    const cutoff = this.cutoff.get(mailbox, this.keep);
    if (cutoff === undefined) return;
    this.prune.run(mailbox, cutoff);
    this.raiseFloor.run({ mailbox, cutoff });
  }

  /** UIDs expunged with a MODSEQ above `since`, ascending; null when pruning removed part of that history. */
  since(mailbox: MailboxId, since: ModSeq): Uid[] | null {
    if (since < (this.floorOf.get(mailbox) ?? 0)) return null;
    return this.uidsSince.all(mailbox, since) as Uid[];
  }
}
