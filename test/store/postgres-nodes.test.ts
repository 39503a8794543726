import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgMailStore, openPostgresPool, type PgPool } from '../../src/store/index.js';
import { clusterForThisFile } from '../helpers/postgres-cluster.js';
import { annv, daott, message } from './contract/samples.js';

/**
 * PostgreSQL only (docs/postgres.en.md "Durability and concurrency"): two stores on one database,
 * as two nodes would be, writing the same mailboxes at once.
 */
const cluster = clusterForThisFile();
const pools: PgPool[] = [];
let nodeA: PgMailStore;
let nodeB: PgMailStore;
beforeAll(async () => {
  const url = await cluster().createDatabase();
  pools.push(openPostgresPool(url, { poolSize: 4 }), openPostgresPool(url, { poolSize: 4 }));
  // Both migrate at once: the advisory lock applies each step once.
  [nodeA, nodeB] = (await Promise.all(pools.map((pool) => PgMailStore.open(pool)))) as [PgMailStore, PgMailStore];
});
afterAll(async () => {
  await Promise.all([nodeA?.close(), nodeB?.close()]);
  await Promise.all(pools.map((pool) => pool.end()));
});

describe('two nodes on one database', () => {
  it('create the default folders of a new account once, whichever logs in first', async () => {
    await Promise.all([nodeA.ensureAccount(annv), nodeB.ensureAccount(annv), nodeA.ensureAccount(annv)]);
    expect((await nodeB.listMailboxes(annv)).map((box) => box.name)).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
  });

  it('give concurrent deliveries distinct ascending UIDs and MODSEQs, recipients named in either order', async () => {
    const deliveries = Array.from({ length: 24 }, (_, i) =>
      (i % 2 === 0 ? nodeA : nodeB).deliver(
        i % 3 === 0 ? [{ account: annv, folder: 'INBOX' }, { account: daott, folder: 'INBOX' }] : [{ account: daott, folder: 'INBOX' }, { account: annv, folder: 'INBOX' }],
        message({ id: `node-${i}` }),
      ),
    );
    await Promise.all(deliveries);
    for (const account of [annv, daott]) {
      const box = (await nodeB.getMailbox(account, 'INBOX'))!;
      const rows = await nodeA.listMessages(box.id);
      expect(rows.map((row) => row.uid)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
      expect(box.uidNext).toBe(25);
      const modSeqs = rows.map((row) => row.modSeq);
      expect(new Set(modSeqs).size).toBe(modSeqs.length);
      expect(Math.max(...modSeqs)).toBeLessThanOrEqual(box.highestModSeq);
    }
  });
});
