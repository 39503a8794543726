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

/** The ledger of one import run, on the store's backend (this file's for SQLite, postgres/mbox-import.ts). */
export interface ImportLedger {
  /**
   * Appends each message unless its (mailbox, digest, occurrence) is in the ledger, all in ONE
   * transaction: a message and its ledger row commit together, and a batch pays one commit
   * instead of one per message.
   */
  appendOnce(messages: readonly ImportMessage[]): Promise<ImportOutcome[]>;
}

/** An ImportMessage with its ledger key. */
export interface KeyedImportMessage extends ImportMessage {
  readonly sha256: string;
  readonly occurrence: number;
}

/** Counts the occurrences of identical messages per mailbox within one run: the n-th copy is keyed n. */
export class OccurrenceCounter {
  private readonly occurrences = new Map<string, number>();

  key(messages: readonly ImportMessage[]): KeyedImportMessage[] {
    return messages.map((message) => {
      const sha256 = createHash('sha256').update(message.raw).digest('hex');
      const key = `${message.mailbox} ${sha256}`;
      const occurrence = (this.occurrences.get(key) ?? 0) + 1;
      this.occurrences.set(key, occurrence);
      return { ...message, sha256, occurrence };
    });
  }
}

/** The SQLite ledger: one per import run. */
export class MboxImportLedger implements ImportLedger {
  private readonly occurrences = new OccurrenceCounter();
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

  /** The appends run as savepoints of the ledger's transaction, on the same connection. */
  async appendOnce(messages: readonly ImportMessage[]): Promise<ImportOutcome[]> {
    const keyed = this.occurrences.key(messages);
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
