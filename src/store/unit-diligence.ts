import { migrate, type Db, type Migration } from './database.js';
import type { AccountId, DiligenceRecord, MailboxId, Uid } from './types.js';

/**
 * The memory of unit mailbox diligence (docs/architecture.md "Unit mailboxes", Điều 9.2):
 * which unit INBOX messages a reminder already named, and which days a unit's digest went out.
 * Component "unit-diligence" in schema_migrations, on the store's backend (PostgreSQL's:
 * postgres/unit-diligence.ts). The store writes these rows inside the notice's own delivery
 * transaction (DeliveryOptions `diligence`), so a restart neither sends a reminder twice nor
 * forgets one. A reminded message's row goes with the message (ON DELETE CASCADE).
 */

export interface DiligenceStore {
  /** The UIDs of `mailbox` a reminder already named. */
  remindedUids(mailbox: MailboxId): Promise<Set<Uid>>;
  /** Whether the digest of `account` for the local day `day` ("2027-01-04") went out. */
  digestSent(account: AccountId, day: string): Promise<boolean>;
}

/** The SQLite memory; `write` runs inside the delivery's transaction (SqliteMailStore). */
export interface SqliteDiligenceStore extends DiligenceStore {
  write(record: DiligenceRecord): void;
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

export function openDiligenceStore(db: Db): SqliteDiligenceStore {
  migrate(db, 'unit-diligence', migrations);
  const reminded = db.prepare<[number], number>('SELECT uid FROM unit_reminders WHERE mailbox = ?').pluck();
  // Only UIDs still in the mailbox: one expunged meanwhile has no row to reference.
  const remind = db.prepare<[string, number, string]>(
    `INSERT OR IGNORE INTO unit_reminders (mailbox, uid, reminded_at)
     SELECT mailbox, uid, ? FROM messages WHERE mailbox = ? AND uid IN (SELECT value FROM json_each(?))`,
  );
  const digest = db.prepare<[string, string], number>('SELECT 1 FROM unit_digests WHERE account = ? AND day = ?').pluck();
  const markDigest = db.prepare<[string, string, string]>('INSERT OR IGNORE INTO unit_digests (account, day, sent_at) VALUES (?, ?, ?)');
  return {
    remindedUids: async (mailbox) => new Set(reminded.all(mailbox) as Uid[]),
    digestSent: async (account, day) => digest.get(account, day) !== undefined,
    write(record) {
      if (record.kind === 'reminded') remind.run(record.at.toISOString(), record.mailbox, JSON.stringify(record.uids));
      else markDigest.run(record.account, record.day, record.at.toISOString());
    },
  };
}
