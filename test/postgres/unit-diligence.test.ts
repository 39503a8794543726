import { describe, expect, test } from 'vitest';
import { asUid, openPostgresPool, PgMailStore, StoreError, type DiligenceRecord } from '../../src/store/index.js';
import { clusterForThisFile } from '../helpers/postgres-cluster.js';
import { annv, daott, message } from '../store/helpers.js';
import { describeDigests } from '../unit-mailboxes/digest-cases.js';
import { describeReminders } from '../unit-mailboxes/reminder-cases.js';

/**
 * Điều 9.2's reminders and digests on `[store] backend = "postgres"`: the same cases as on SQLite
 * (test/unit-mailboxes/reminders.test.ts, digest.test.ts), each on its own database of this file's
 * cluster; the memory of what was sent is in PostgreSQL (docs/postgres.en.md).
 */
const cluster = clusterForThisFile();
const onPostgres = async () => ({ store: { backend: 'postgres' as const, postgres_url: await cluster().createDatabase(), postgres_pool: 4 } });

describeReminders('PostgreSQL', onPostgres);
describeDigests('PostgreSQL', onPostgres);

describe('two nodes composing the same unit notice at once', () => {
  test('one notice is delivered; the other is rolled back as already recorded', async () => {
    const pool = openPostgresPool(await cluster().createDatabase(), { poolSize: 4 });
    // Two stores on one database: two nodes.
    const [nodeA, nodeB] = [await PgMailStore.open(pool), await PgMailStore.open(pool)];
    try {
      await nodeA.ensureAccount(annv);
      await nodeA.ensureAccount(daott);
      const unitInbox = (await nodeA.getMailbox(annv, 'INBOX'))!;
      for (const id of ['u1', 'u2']) await nodeA.append(unitInbox.id, message({ id, subject: `Công văn ${id}` }));
      const at = new Date('2027-01-11T03:00:00Z');
      const records: DiligenceRecord[] = [
        { kind: 'reminded', mailbox: unitInbox.id, uids: [1, 2].map(asUid), at },
        { kind: 'digest', account: annv, day: '2027-01-11', at },
      ];
      for (const [n, record] of records.entries()) {
        const outcomes = await Promise.allSettled(
          [nodeA, nodeB].map((node, i) => node.deliver([{ account: daott, folder: 'INBOX' }], message({ id: `notice-${n}-${i}`, subject: `Nhắc việc ${n}` }), { diligence: record })),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        const [refused] = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(refused!.reason).toBeInstanceOf(StoreError);
        expect((refused!.reason as StoreError).code).toBe('already-exists');
      }
      const daottInbox = (await nodeA.getMailbox(daott, 'INBOX'))!;
      expect((await nodeA.listMessages(daottInbox.id)).length).toBe(2);
      expect([...(await nodeB.diligence.remindedUids(unitInbox.id))].sort()).toEqual([1, 2]);
      expect(await nodeB.diligence.digestSent(annv, '2027-01-11')).toBe(true);
    } finally {
      await nodeA.close();
      await nodeB.close();
      await pool.end();
    }
  });
});
