import type { Migration } from '../database.js';
import type { DiligenceStore } from '../unit-diligence.js';
import { StoreError, type AccountId, type DiligenceRecord, type MailboxId, type Uid } from '../types.js';
import { migratePostgres, type PgClient, type PgPool } from './database.js';
import { storeQuery } from './numbers.js';

/**
 * The memory of unit mailbox diligence on PostgreSQL (the SQLite one's meaning,
 * src/store/unit-diligence.ts): component "unit-diligence" in schema_migrations, beside the
 * store's `messages`, which a reminder row references. PgMailStore writes a record in the
 * notice's delivery transaction. Every node runs the check (serve's schedule), so two nodes may
 * compose the same notice at once: the second to write its record finds the rows there (the
 * primary key waits for the first transaction's outcome) and rolls its notice back with
 * StoreError 'already-exists', logged as a notice not sent; its next check reads the memory and
 * finds nothing left to send. A unit is thus reminded once, and gets one digest a day, whichever
 * nodes run the check.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE unit_reminders (
        mailbox BIGINT NOT NULL,
        uid BIGINT NOT NULL,
        reminded_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (mailbox, uid),
        FOREIGN KEY (mailbox, uid) REFERENCES messages (mailbox, uid) ON DELETE CASCADE
      );

      CREATE TABLE unit_digests (
        account TEXT NOT NULL,
        day TEXT NOT NULL,
        sent_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (account, day)
      );
    `,
  },
];

/** Applies the component's migrations (after the store's: a reminder references `messages`). */
export async function migrateDiligenceMemory(pool: PgPool): Promise<void> {
  await migratePostgres(pool, 'unit-diligence', MIGRATIONS);
}

export class PgDiligenceStore implements DiligenceStore {
  private constructor(private readonly pool: PgPool) {}

  static async open(pool: PgPool): Promise<PgDiligenceStore> {
    await migrateDiligenceMemory(pool);
    return new PgDiligenceStore(pool);
  }

  async remindedUids(mailbox: MailboxId): Promise<Set<Uid>> {
    const rows = await storeQuery<{ uid: Uid }>(this.pool, 'SELECT uid FROM unit_reminders WHERE mailbox = $1', [mailbox]);
    return new Set(rows.map((row) => row.uid));
  }

  async digestSent(account: AccountId, day: string): Promise<boolean> {
    return (await storeQuery(this.pool, 'SELECT 1 FROM unit_digests WHERE account = $1 AND day = $2', [account, day])).length > 0;
  }

  /**
   * Writes `record` on `client`, inside the delivery's transaction; UIDs expunged meanwhile are
   * skipped. Throws StoreError 'already-exists' (the delivery rolls back) when another node's
   * notice recorded any of it first.
   */
  async write(client: PgClient, record: DiligenceRecord): Promise<void> {
    if (record.kind === 'reminded') {
      const [counts] = await storeQuery<{ present: number; added: number }>(
        client,
        `WITH present AS (SELECT mailbox, uid FROM messages WHERE mailbox = $1 AND uid = ANY($2::bigint[])),
           added AS (INSERT INTO unit_reminders (mailbox, uid, reminded_at) SELECT mailbox, uid, $3 FROM present ON CONFLICT DO NOTHING RETURNING uid)
         SELECT (SELECT count(*) FROM present) AS present, (SELECT count(*) FROM added) AS added`,
        [record.mailbox, record.uids, record.at],
      );
      if (counts!.added < counts!.present) throw new StoreError('already-exists', `mailbox ${record.mailbox}: another node's reminder named some of these messages first`);
      return;
    }
    const added = await storeQuery(client, 'INSERT INTO unit_digests (account, day, sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING day', [
      record.account,
      record.day,
      record.at,
    ]);
    if (added.length === 0) throw new StoreError('already-exists', `${record.account}: another node sent the digest of ${record.day} first`);
  }
}
