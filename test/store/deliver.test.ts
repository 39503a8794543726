/**
 * Deliveries as SQLite keeps them: row counts, visibility to another connection, the group commit
 * and its batches (DESIGN.md "Durability"). What any backend must do with a delivery is in the
 * contract suite, test/store/contract/deliveries.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { asAccountId, type DeliveryTarget, type MailboxChange } from '../../src/store/types.js';
import { annv, daott, message, openTestStore, type TestStore } from './helpers.js';

let t: TestStore;
beforeEach(() => {
  t = openTestStore();
});
afterEach(async () => {
  await t.cleanup();
});

/** Counts rows with a second connection, as an outside observer of what is committed. */
function countRows(table: string): number {
  const db = new Database(t.file, { readonly: true });
  try {
    return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('deliver into SQLite', () => {
  it('keeps a message to 500 recipients as one blobs row of one chunk, beside 500 message rows', async () => {
    const targets: DeliveryTarget[] = Array.from({ length: 500 }, (_, i) => ({
      account: asAccountId(`canbo${i}@cantho.gov.vn`),
      folder: 'INBOX',
    }));
    await t.store.deliver(targets, message({ subject: 'Thông báo nghỉ Tết' }));
    expect(countRows('blobs')).toBe(1);
    expect(countRows('blob_chunks')).toBe(1);
    expect(countRows('messages')).toBe(500);
  });

  it('resolves each promise only when another connection can already read the message', async () => {
    const visibleAtResolve = await Promise.all(
      Array.from({ length: 20 }, async (_, i) =>
        t.store.deliver([{ account: annv, folder: 'INBOX' }], message({ id: `v${i}` })).then(() => countRows('messages')),
      ),
    );
    for (const visible of visibleAtResolve) expect(visible).toBe(20);
  });

  it('emits one append event per mailbox for the deliveries of one batch, after the commit', async () => {
    const seen: Array<{ change: MailboxChange; committed: number }> = [];
    t.store.events.on('change', (change) => seen.push({ change, committed: countRows('messages') }));
    await Promise.all([
      t.store.deliver([{ account: annv, folder: 'INBOX' }], message()),
      t.store.deliver([{ account: annv, folder: 'INBOX' }], message()),
    ]);
    const appends = seen.filter(({ change }) => change.kind === 'append');
    expect(appends).toHaveLength(1);
    expect(appends[0]!.change).toMatchObject({ kind: 'append', account: annv, uids: [1, 2] });
    expect(appends[0]!.committed).toBe(2);
  });
});

describe('group commit', () => {
  it('batches concurrent deliveries into few transactions, and every one is stored', async () => {
    const before = { ...t.store.deliveryStats };
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => t.store.deliver([{ account: annv, folder: 'INBOX' }], message({ id: `g${i}` }))),
    );
    const transactions = t.store.deliveryStats.transactions - before.transactions;
    expect(t.store.deliveryStats.jobs - before.jobs).toBe(200);
    expect(transactions).toBeLessThanOrEqual(2);
    const uids = results.map((result) => result.delivered[0]!.uid);
    expect(new Set(uids).size).toBe(200);
    expect(countRows('messages')).toBe(200);
    expect(countRows('blobs')).toBe(200);
  });

  it('a delivery is in the database before it resolves, and other writes still commit with synchronous=FULL', async () => {
    const db = (t.store as unknown as { db: Database.Database }).db;
    const pending = t.store.deliver([{ account: annv, folder: 'INBOX' }], message({ id: 'durable' }));
    await pending;
    expect(countRows('messages')).toBe(1);
    // FULL is 2 (SQLite "PRAGMA synchronous"); the group commit switches to NORMAL only around its own batches.
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('a message that fails inside the batch is rolled back alone; the others commit', async () => {
    // Make one specific message fail at INSERT time, inside the shared transaction.
    const doomed = message({ id: 'doomed', body: 'x'.repeat(777) });
    (t.store as unknown as { db: Database.Database }).db.exec(
      `CREATE TEMP TRIGGER fail_one BEFORE INSERT ON main.messages WHEN NEW.size = ${doomed.length}
       BEGIN SELECT RAISE(ABORT, 'simulated failure'); END`,
    );
    const others = Array.from({ length: 9 }, (_, i) => message({ id: `ok${i}` }));
    const outcomes = await Promise.allSettled([
      ...others.slice(0, 4).map(async (raw) => t.store.deliver([{ account: annv, folder: 'INBOX' }], raw)),
      t.store.deliver([{ account: daott, folder: 'INBOX' }], doomed),
      ...others.slice(4).map(async (raw) => t.store.deliver([{ account: annv, folder: 'INBOX' }], raw)),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([...Array(4).fill('fulfilled'), 'rejected', ...Array(5).fill('fulfilled')]);
    expect(t.store.deliveryStats.transactions).toBe(1);
    expect(countRows('messages')).toBe(9);
    // The failed delivery's body and its mailboxes were rolled back with it.
    expect(countRows('blobs')).toBe(9);
    expect(await t.store.listMailboxes(daott)).toEqual([]);
  });

  it('close() commits deliveries still waiting for their batch', async () => {
    const pending = t.store.deliver([{ account: annv, folder: 'INBOX' }], message());
    await t.store.close();
    await expect(pending).resolves.toMatchObject({ delivered: [{ uid: 1 }] });
    expect(countRows('messages')).toBe(1);
  });
});
