import { migrate, type Db, type Migration } from './database.js';
import type { AccountId, MailboxId, Uid } from './types.js';

/**
 * The memory of unit mailbox diligence (docs/architecture.md "Unit mailboxes", Điều 9.2):
 * which unit INBOX messages a reminder already named, and which days a unit's digest went out.
 * Component "unit-diligence" in schema_migrations. The caller writes these rows inside the
 * notice's own delivery transaction (store.deliver `inTransaction`), so a restart neither sends a
 * reminder twice nor forgets one. A reminded message's row goes with the message (ON DELETE CASCADE).
 */

export interface DiligenceStore {
  /** The UIDs of `mailbox` a reminder already named. */
  remindedUids(mailbox: MailboxId): Set<Uid>;
  markReminded(mailbox: MailboxId, uids: readonly Uid[], at: Date): void;
  /** Whether the digest of `account` for the local day `day` ("2027-01-04") went out. */
  digestSent(account: AccountId, day: string): boolean;
  markDigestSent(account: AccountId, day: string, at: Date): void;
}

const migrations: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE unit_reminders (
        mailbox INTEGER NOT NULL,
        uid INTEGER NOT NULL,
        reminded_at TEXT NOT NULL,
        PRIMARY KEY (mailbox, uid),
        FOREIGN KEY (mailbox, uid) REFERENCES messages (mailbox, uid) ON DELETE CASCADE
      ) WITHOUT ROWID;

      CREATE TABLE unit_digests (
        account TEXT NOT NULL,
        day TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        PRIMARY KEY (account, day)
      ) WITHOUT ROWID;
    `,
  },
];

export function openDiligenceStore(db: Db): DiligenceStore {
  migrate(db, 'unit-diligence', migrations);
  const reminded = db.prepare<[number], number>('SELECT uid FROM unit_reminders WHERE mailbox = ?').pluck();
  const remind = db.prepare<[string, number, string]>(
    `INSERT OR IGNORE INTO unit_reminders (mailbox, uid, reminded_at)
     SELECT mailbox, uid, ? FROM messages WHERE mailbox = ? AND uid IN (SELECT value FROM json_each(?))`,
  );
  const digest = db.prepare<[string, string], number>('SELECT 1 FROM unit_digests WHERE account = ? AND day = ?').pluck();
  const markDigest = db.prepare<[string, string, string]>('INSERT OR IGNORE INTO unit_digests (account, day, sent_at) VALUES (?, ?, ?)');
  return {
    remindedUids: (mailbox) => new Set(reminded.all(mailbox) as Uid[]),
    markReminded: (mailbox, uids, at) => void remind.run(at.toISOString(), mailbox, JSON.stringify(uids)),
    digestSent: (account, day) => digest.get(account, day) !== undefined,
    markDigestSent: (account, day, at) => void markDigest.run(account, day, at.toISOString()),
  };
}
