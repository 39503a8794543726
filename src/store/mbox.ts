import { createHash } from 'node:crypto';
import type { SqliteMailStore } from './sqlite-store.js';
import { migrate, type Db, type Migration } from './database.js';
import type { Flag, MailboxId, Uid } from './types.js';

/**
 * The ledger that makes `cantho-mail import` idempotent and resumable (docs/architecture.md "Retention and migration"): one row per
 * message imported into a mailbox, keyed by the SHA-256 of its bytes and its occurrence (the
 * n-th identical copy in that folder of the file, so a file holding the same message twice
 * imports it twice, once each). A message and its row commit together, so a second run, or a
 * run after a crash, skips exactly what is already in.
 * Rows go with their mailbox (ON DELETE CASCADE): a deleted folder can be imported again.
 */
const MBOX_IMPORT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE mbox_imports (
        mailbox INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
        sha256 TEXT NOT NULL,
        occurrence INTEGER NOT NULL,
        uid INTEGER NOT NULL,
        imported_at TEXT NOT NULL,
        PRIMARY KEY (mailbox, sha256, occurrence)
      ) WITHOUT ROWID;
    `,
  },
];

export interface ImportMessage {
  readonly mailbox: MailboxId;
  readonly raw: Buffer;
  readonly flags: readonly Flag[];
  readonly internalDate: Date;
}

export type ImportOutcome = { readonly imported: true; readonly uid: Uid } | { readonly imported: false };

/** One ledger per import run: it counts the occurrences of identical messages within the run. */
export class MboxImportLedger {
  private readonly occurrences = new Map<string, number>();
  private readonly seen;
  private readonly record;

  constructor(
    private readonly db: Db,
    private readonly store: Pick<SqliteMailStore, 'appendMessagesNow'>,
  ) {
    migrate(db, 'mbox-import', MBOX_IMPORT_MIGRATIONS);
    this.seen = db.prepare<[number, string, number], number>('SELECT uid FROM mbox_imports WHERE mailbox = ? AND sha256 = ? AND occurrence = ?').pluck();
    this.record = db.prepare<[number, string, number, number, string]>(
      'INSERT INTO mbox_imports (mailbox, sha256, occurrence, uid, imported_at) VALUES (?, ?, ?, ?, ?)',
    );
  }

  /**
   * Appends each message unless its (mailbox, digest, occurrence) is in the ledger, all in ONE
   * transaction (the appends run as its savepoints): a message and its ledger row commit
   * together, and a batch pays one fsync instead of one per message.
   */
  appendOnce(messages: readonly ImportMessage[]): ImportOutcome[] {
    const keyed = messages.map((message) => {
      const sha256 = createHash('sha256').update(message.raw).digest('hex');
      const key = `${message.mailbox} ${sha256}`;
      const occurrence = (this.occurrences.get(key) ?? 0) + 1;
      this.occurrences.set(key, occurrence);
      return { ...message, sha256, occurrence };
    });
    const importedAt = new Date().toISOString();
    return this.db
      .transaction(() =>
        keyed.map(({ mailbox, raw, flags, internalDate, sha256, occurrence }): ImportOutcome => {
          if (this.seen.get(mailbox, sha256, occurrence) !== undefined) return { imported: false };
          const { uid } = this.store.appendMessagesNow(mailbox, [{ raw, flags, internalDate }])[0]!;
          this.record.run(mailbox, sha256, occurrence, uid, importedAt);
          return { imported: true, uid };
        }),
      )
      .immediate();
  }
}
