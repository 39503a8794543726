import { migrate, type Db, type Migration } from './database.js';
import type { AccountId, MailboxId, Uid } from './types.js';

/**
 * docs/architecture.md "Unit mailboxes", seen mode 'private': each reader of a unit's mailbox has their own \Seen,
 * kept beside the message rows (component "private-seen" in schema_migrations) and removed with
 * them (ON DELETE CASCADE), so an expunged message leaves nothing behind. The message row's own
 * \Seen stays the team's (seen mode 'shared'). A change is a flag change like any other: the
 * caller (SqliteMailStore) stamps the rows with a new MODSEQ in the same transaction.
 */
const PRIVATE_SEEN_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE private_seen (
        mailbox INTEGER NOT NULL,
        uid INTEGER NOT NULL,
        reader TEXT NOT NULL,
        PRIMARY KEY (mailbox, uid, reader),
        FOREIGN KEY (mailbox, uid) REFERENCES messages (mailbox, uid) ON DELETE CASCADE
      ) WITHOUT ROWID;
      CREATE INDEX private_seen_reader ON private_seen (mailbox, reader);
    `,
  },
];

/** The UIDs of a mailbox a reader has seen; also prepared by the read-only search connection (search-reader.ts). */
export function prepareSeenQuery(db: Db) {
  return db.prepare<[number, string], number>('SELECT uid FROM private_seen WHERE mailbox = ? AND reader = ?').pluck();
}

export class PrivateSeen {
  private readonly seenOf;
  private readonly mark;
  private readonly unmark;
  private readonly stamp;
  private readonly forget;

  constructor(db: Db) {
    migrate(db, 'private-seen', PRIVATE_SEEN_MIGRATIONS);
    this.seenOf = prepareSeenQuery(db);
    // Only UIDs that exist: a message expunged meanwhile is not marked (the foreign key would refuse it).
    this.mark = db.prepare<[string, number, string]>(
      `INSERT OR IGNORE INTO private_seen (mailbox, uid, reader)
       SELECT mailbox, uid, ? FROM messages WHERE mailbox = ? AND uid IN (SELECT value FROM json_each(?))`,
    );
    this.unmark = db.prepare<[number, string, string]>(
      'DELETE FROM private_seen WHERE mailbox = ? AND reader = ? AND uid IN (SELECT value FROM json_each(?))',
    );
    this.stamp = db.prepare<[number, number, string]>('UPDATE messages SET modseq = ? WHERE mailbox = ? AND uid IN (SELECT value FROM json_each(?))');
    // One lookup of (mailbox, reader) per mailbox through the private_seen_reader index, not a scan of every row.
    this.forget = db.prepare<[string]>('DELETE FROM private_seen WHERE mailbox IN (SELECT id FROM mailboxes) AND reader = ?');
  }

  /** The UIDs `reader` has seen in `mailbox`. */
  seen(mailbox: MailboxId, reader: AccountId): Set<Uid> {
    return new Set(this.seenOf.all(mailbox, reader) as Uid[]);
  }

  /**
   * Sets or clears `reader`'s \Seen on `uids`, inside the caller's transaction; returns the UIDs
   * whose state changed, ascending.
   */
  set(mailbox: MailboxId, reader: AccountId, uids: readonly Uid[], seen: boolean): Uid[] {
    if (uids.length === 0) return [];
    const before = this.seen(mailbox, reader);
    const wanted = uids.filter((uid) => before.has(uid) !== seen);
    if (wanted.length === 0) return [];
    const list = JSON.stringify(wanted);
    if (seen) this.mark.run(reader, mailbox, list);
    else this.unmark.run(mailbox, reader, list);
    const after = this.seen(mailbox, reader);
    return wanted.filter((uid) => after.has(uid) === seen).sort((a, b) => a - b);
  }

  /** RFC 7162 §3.1: the changed rows carry the operation's new MODSEQ. */
  stampModSeq(mailbox: MailboxId, uids: readonly Uid[], modSeq: number): void {
    this.stamp.run(modSeq, mailbox, JSON.stringify(uids));
  }

  /**
   * Inside the caller's transaction: `reader`'s \Seen in every mailbox goes, so a person who
   * later gets the same address starts with nothing read. No MODSEQ: no other reader's view changes.
   */
  forgetReader(reader: AccountId): void {
    this.forget.run(reader);
  }
}
