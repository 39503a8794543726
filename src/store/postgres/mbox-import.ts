import type { Migration } from '../database.js';
import { OccurrenceCounter, type ImportLedger, type ImportMessage, type ImportOutcome } from '../mbox.js';
import type { AppendMessage, AppendResult, MailboxId } from '../types.js';
import { migratePostgres, type PgClient, type PgPool } from './database.js';
import { storeQuery } from './numbers.js';

/**
 * The `cantho-mail import` ledger on PostgreSQL: the SQLite ledger's meaning (src/store/mbox.ts),
 * component "mbox-import" in schema_migrations, beside the store's `mailboxes` (applied by
 * PgMailStore.open, and by `migrate`, which copies SQLite's ledger). A batch of
 * messages and their ledger rows commit in one transaction of the store (PgMailStore.withAppends),
 * so a second run, or one after a crash, skips exactly what is in.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE mbox_imports (
        mailbox BIGINT NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
        sha256 TEXT NOT NULL,
        occurrence INTEGER NOT NULL,
        uid BIGINT NOT NULL,
        imported_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (mailbox, sha256, occurrence)
      );
    `,
  },
];

/** Applies the ledger's migrations (after the store's: a row references `mailboxes`). */
export async function migrateImportLedger(pool: PgPool): Promise<void> {
  await migratePostgres(pool, 'mbox-import', MIGRATIONS);
}

/** What the ledger needs of PgMailStore: its transaction in which messages are appended (PgMailStore.withAppends). */
export interface StoreWithAppends {
  withAppends<T>(work: (client: PgClient, append: (mailbox: MailboxId, messages: readonly AppendMessage[]) => Promise<AppendResult[]>) => Promise<T>): Promise<T>;
}

/** One ledger per import run, on a store opened by PgMailStore.open. */
export class PgMboxImportLedger implements ImportLedger {
  private readonly occurrences = new OccurrenceCounter();

  constructor(private readonly store: StoreWithAppends) {}

  async appendOnce(messages: readonly ImportMessage[]): Promise<ImportOutcome[]> {
    const keyed = this.occurrences.key(messages);
    const importedAt = new Date();
    return this.store.withAppends(async (client, append) => {
      const outcomes: ImportOutcome[] = [];
      for (const { mailbox, raw, flags, internalDate, sha256, occurrence } of keyed) {
        const seen = await storeQuery(client, 'SELECT 1 FROM mbox_imports WHERE mailbox = $1 AND sha256 = $2 AND occurrence = $3', [mailbox, sha256, occurrence]);
        if (seen.length > 0) {
          outcomes.push({ imported: false });
          continue;
        }
        const uid = (await append(mailbox, [{ raw, flags, internalDate }]))[0]!.uid;
        await storeQuery(client, 'INSERT INTO mbox_imports (mailbox, sha256, occurrence, uid, imported_at) VALUES ($1, $2, $3, $4, $5)', [mailbox, sha256, occurrence, uid, importedAt]);
        outcomes.push({ imported: true, uid });
      }
      return outcomes;
    });
  }
}
