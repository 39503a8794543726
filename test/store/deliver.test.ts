import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { StoreError, asAccountId, asUid, type DeliveryTarget, type MailboxChange } from '../../src/store/types.js';
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

describe('deliver', () => {
  it('stores a message to 500 recipients once and links it into 500 INBOXes', async () => {
    const targets: DeliveryTarget[] = Array.from({ length: 500 }, (_, i) => ({
      account: asAccountId(`canbo${i}@cantho.gov.vn`),
      folder: 'INBOX',
    }));
    const raw = message({ subject: 'Thông báo nghỉ Tết' });
    const result = await t.store.deliver(targets, raw);
    expect(result.delivered).toHaveLength(500);
    expect(countRows('blobs')).toBe(1);
    expect(countRows('blob_chunks')).toBe(1);
    expect(countRows('messages')).toBe(500);
    const inbox = (await t.store.getMailbox(asAccountId('canbo499@cantho.gov.vn'), 'INBOX'))!;
    const [row] = await t.store.listMessages(inbox.id);
    expect(row).toMatchObject({ uid: 1, size: raw.length, blobId: result.blobId });
    expect((await t.store.readBlob(result.blobId)).equals(raw)).toBe(true);
    expect(await t.store.accountUsage(asAccountId('canbo7@cantho.gov.vn'))).toBe(raw.length);
  });

  it('gives strictly ascending UIDs and a growing MODSEQ, with UIDNEXT and HIGHESTMODSEQ following', async () => {
    let lastUid = 0;
    let lastModSeq = (await t.store.getMailbox(annv, 'INBOX'))?.highestModSeq ?? 0;
    for (let i = 0; i < 20; i++) {
      const [delivered] = (await t.store.deliver([{ account: annv, folder: 'INBOX' }], message({ id: `m${i}` }))).delivered;
      expect(delivered!.uid).toBeGreaterThan(lastUid);
      lastUid = delivered!.uid;
      const inbox = (await t.store.getMailbox(annv, 'INBOX'))!;
      expect(inbox.highestModSeq).toBeGreaterThan(lastModSeq);
      lastModSeq = inbox.highestModSeq;
      expect(inbox.uidNext).toBe(lastUid + 1);
    }
    const rows = await t.store.listMessages((await t.store.getMailbox(annv, 'INBOX'))!.id);
    expect(rows.map((row) => row.uid)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.modSeq).toBeGreaterThan(rows[i - 1]!.modSeq);
  });

  it('delivers to Junk (the \\Junk mailbox, even renamed), marks messages recent, keeps internal date and flags', async () => {
    await t.store.ensureAccount(annv);
    await t.store.renameMailbox(annv, 'Junk', 'Thư rác');
    const internalDate = new Date('2026-11-28T01:02:03Z');
    const result = await t.store.deliver([{ account: annv, folder: 'Junk' }], message(), { internalDate, flags: ['$Junk'] });
    const junk = (await t.store.getMailbox(annv, 'Thư rác'))!;
    expect(result.delivered).toEqual([{ account: annv, mailbox: junk.id, uid: 1 }]);
    const [row] = await t.store.listMessages(junk.id);
    expect(row!.internalDate.toISOString()).toBe('2026-11-28T01:02:03.000Z');
    expect(row!.flags).toEqual(['$Junk']);
    expect(await t.store.mailboxCounts(junk.id)).toEqual({ messages: 1, recent: 1, unseen: 1, deleted: 0, size: row!.size });
    expect(await t.store.recentUids(junk.id)).toEqual([1]);
    expect(await t.store.recentUids(junk.id)).toEqual([1]);
    expect(await t.store.claimRecent(junk.id)).toEqual([1]);
    expect(await t.store.claimRecent(junk.id)).toEqual([]);
    expect(await t.store.recentUids(junk.id)).toEqual([]);
    expect((await t.store.mailboxCounts(junk.id)).recent).toBe(0);
  });

  it('re-creates a deleted Junk folder (and only that) rather than dropping spam into INBOX', async () => {
    await t.store.ensureAccount(annv);
    await t.store.deleteMailbox(annv, 'Junk');
    await t.store.deleteMailbox(annv, 'Archive');
    const { delivered } = await t.store.deliver([{ account: annv, folder: 'Junk' }], message());
    const junk = (await t.store.getMailbox(annv, 'Junk'))!;
    expect(junk.specialUse).toBe('\\Junk');
    expect(delivered[0]!.mailbox).toBe(junk.id);
    expect(await t.store.listMessages((await t.store.getMailbox(annv, 'INBOX'))!.id)).toEqual([]);
    expect(await t.store.getMailbox(annv, 'Archive')).toBeNull();
  });

  it('resolves each promise only when another connection can already read the message', async () => {
    const visibleAtResolve = await Promise.all(
      Array.from({ length: 20 }, async (_, i) =>
        t.store.deliver([{ account: annv, folder: 'INBOX' }], message({ id: `v${i}` })).then(() => countRows('messages')),
      ),
    );
    for (const visible of visibleAtResolve) expect(visible).toBe(20);
  });

  it('delivers one copy per recipient even when the envelope names one twice', async () => {
    const result = await t.store.deliver(
      [
        { account: annv, folder: 'INBOX' },
        { account: annv, folder: 'INBOX' },
        { account: daott, folder: 'INBOX' },
      ],
      message(),
    );
    expect(result.delivered.map((d) => d.account)).toEqual([annv, daott]);
  });

  it('emits one append event per mailbox, after the commit', async () => {
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

  it('refuses an empty recipient list and unknown folders before touching the database', async () => {
    await expect(t.store.deliver([], message())).rejects.toBeInstanceOf(StoreError);
    await expect(t.store.deliver([{ account: annv, folder: 'Sent' as 'INBOX' }], message())).rejects.toMatchObject({
      code: 'nonexistent',
    });
    expect(countRows('messages')).toBe(0);
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

describe('accountUsage', () => {
  it('is the sum of the sizes of everything the account holds', async () => {
    const a = message({ body: 'a'.repeat(1000) });
    const b = message({ body: 'b'.repeat(2000) });
    await t.store.deliver([{ account: annv, folder: 'INBOX' }], a);
    await t.store.deliver([{ account: annv, folder: 'Junk' }], b);
    const inbox = (await t.store.getMailbox(annv, 'INBOX'))!;
    const archive = (await t.store.getMailbox(annv, 'Archive'))!;
    await t.store.copyMessages(inbox.id, [asUid(1)], archive.id);
    expect(await t.store.accountUsage(annv)).toBe(2 * a.length + b.length);
    await t.store.storeFlags(inbox.id, [asUid(1)], 'add', ['\\Deleted']);
    await t.store.expunge(inbox.id);
    expect(await t.store.accountUsage(annv)).toBe(a.length + b.length);
    expect(await t.store.accountUsage(daott)).toBe(0);
  });
});
