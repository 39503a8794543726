import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MboxImportLedger, PgMailStore, PgMboxImportLedger, SqliteMailStore, asModSeq, asUid, openDatabase, openPgSieveStore, openPostgresPool, openSieveStore, type AccountId, type MailStore } from '../../src/store/index.js';
import { runCliInProcess } from '../cli/cli-helpers.js';
import { clusterForThisFile } from '../helpers/postgres-cluster.js';
import { annv, bigMessage, daott, message, openTestStore, type TestStore } from './helpers.js';

// `cantho-mail migrate --from sqlite:PATH --to postgres:URL` (docs/postgres.en.md "Moving an installation").
const cluster = clusterForThisFile();
let source: TestStore;
beforeAll(async () => {
  source = openTestStore();
  await fillSource(source.store);
  await fillSieve(source.file);
});
afterAll(async () => {
  await source?.cleanup();
});

/**
 * A little of everything a client has cached: folders, UIDs with gaps, flags, MODSEQs, VANISHED
 * history, private \Seen, a multi-chunk body shared by two accounts; and the unit diligence memory
 * of a reminder naming two INBOX messages and a digest (delivered to daott, as serve's notices are).
 */
async function fillSource(store: MailStore): Promise<void> {
  await store.ensureAccount(annv);
  await store.ensureAccount(daott);
  const project = await store.createMailbox(annv, 'Dự án/2026');
  await store.setSubscribed(annv, 'Dự án/2026', true);
  const inbox = (await store.getMailbox(annv, 'INBOX'))!;
  for (let i = 0; i < 120; i++) {
    await store.append(inbox.id, message({ id: `m${i}`, subject: `Công văn số ${i}`, body: `Nội dung ${i} về kế hoạch năm 2026.\r\n` }), {
      flags: i % 3 === 0 ? ['\\Seen'] : [],
      internalDate: new Date(Date.UTC(2026, 0, 1 + (i % 28))),
    });
  }
  await store.storeFlags(inbox.id, [2, 5, 8].map(asUid), 'add', ['\\Flagged', '$Label1']);
  await store.storeFlags(inbox.id, [10, 11, 12].map(asUid), 'add', ['\\Deleted']);
  await store.expunge(inbox.id, [10, 11, 12].map(asUid));
  const big = bigMessage();
  await store.deliver([{ account: annv, folder: 'INBOX' }, { account: daott, folder: 'INBOX' }], big);
  await store.append(project.id, message({ id: 'p1', subject: 'Dự án cầu Cần Thơ' }), { flags: ['\\Answered', '\\Draft'] });
  await store.setPrivateSeen(inbox.id, daott, [1, 2, 3].map(asUid), true);
  const noticeAt = new Date('2027-01-11T03:00:00Z');
  await store.deliver([{ account: daott, folder: 'INBOX' }], message({ id: 'reminder', subject: 'Nhắc việc' }), {
    diligence: { kind: 'reminded', mailbox: inbox.id, uids: [1, 4].map(asUid), at: noticeAt },
  });
  await store.deliver([{ account: daott, folder: 'INBOX' }], message({ id: 'digest', subject: 'Tổng hợp hộp thư' }), {
    diligence: { kind: 'digest', account: annv, day: '2027-01-11', at: noticeAt },
  });
}

const HAND_WRITTEN = 'require ["fileinto"];\nif header :contains "subject" "Dự án" { fileinto "Dự án/2026"; }\n';
const REPLIED_AT = new Date('2026-12-01T08:00:00Z');

/** Two scripts of annv's, one active, and a vacation reply already sent to a sender, written as serve does. */
async function fillSieve(file: string): Promise<void> {
  const db = openDatabase(file);
  try {
    const sieve = openSieveStore(db);
    await sieve.putScript(annv, 'du-an', HAND_WRITTEN);
    await sieve.putScript(annv, 'nghi-phep', 'require "vacation";\nvacation "Tôi nghỉ phép.";\n');
    await sieve.setActive(annv, 'du-an');
    expect(await sieve.claimVacationReply(annv, 'sotaichinh@example.org', 'h', 7 * 86_400, REPLIED_AT)).toBe(true);
  } finally {
    db.close();
  }
}

async function snapshot(store: MailStore, account: AccountId) {
  const mailboxes = await store.listMailboxes(account);
  return Promise.all(
    mailboxes.map(async (m) => ({
      name: m.name,
      specialUse: m.specialUse,
      uidValidity: m.uidValidity,
      uidNext: m.uidNext,
      highestModSeq: m.highestModSeq,
      messages: (await store.listMessages(m.id)).map((row) => ({ ...row, flags: [...row.flags].sort() })),
      vanished: await store.expungedSince(m.id, asModSeq(0)),
      privateSeen: [...(await store.privateSeen(m.id, daott))].sort((a, b) => a - b),
    })),
  );
}

describe('migrate from SQLite to PostgreSQL', () => {
  test('copies every mailbox, UID, MODSEQ, flag and body, checked, so clients do not resynchronise', async () => {
    const url = await cluster().createDatabase();
    const result = await runCliInProcess(['migrate', '--from', `sqlite:${source.file}`, '--to', url, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ messages: 120 - 3 + 2 + 1 + 2, expunged: 3, privateSeen: 3, subscriptions: expect.any(Number), sieveScripts: 2, vacationReplies: 1, unitReminders: 2, unitDigests: 1 });

    const sieve = await openPgSieveStore(openPostgresPool(url, { poolSize: 1 }));
    try {
      expect((await sieve.listScripts(annv)).map((s) => [s.name, s.active])).toEqual([
        ['du-an', true],
        ['nghi-phep', false],
      ]);
      expect(await sieve.activeScript(annv)).toBe(HAND_WRITTEN);
      // RFC 5230 §4.2: the sender answered before the move is not answered again within the period.
      expect(await sieve.claimVacationReply(annv, 'sotaichinh@example.org', 'h', 7 * 86_400, new Date(REPLIED_AT.getTime() + 86_400_000))).toBe(false);
    } finally {
      await sieve.close();
    }

    const pool = openPostgresPool(url, { poolSize: 4 });
    const target = await PgMailStore.open(pool);
    try {
      for (const account of [annv, daott]) expect(await snapshot(target, account)).toEqual(await snapshot(source.store, account));
      expect(await target.listSubscriptions(annv)).toEqual(await source.store.listSubscriptions(annv));
      // The next diligence check on PostgreSQL neither reminds of these again nor sends the day's digest twice.
      const annvInboxId = (await target.getMailbox(annv, 'INBOX'))!.id;
      expect([...(await target.diligence.remindedUids(annvInboxId))].sort()).toEqual([1, 4]);
      expect(await target.diligence.remindedUids(annvInboxId)).toEqual(await source.store.diligence.remindedUids(annvInboxId));
      expect(await target.diligence.digestSent(annv, '2027-01-11')).toBe(true);
      expect(await target.diligence.digestSent(annv, '2027-01-12')).toBe(false);
      const inbox = (await target.getMailbox(daott, 'INBOX'))!;
      const [bigRow] = await target.listMessages(inbox.id);
      expect((await target.readBlob(bigRow!.blobId)).equals(await source.store.readBlob(bigRow!.blobId))).toBe(true);
      const annvInbox = (await target.getMailbox(annv, 'INBOX'))!;
      expect((await target.searchText(annvInbox.id, 'body', 'ke hoach nam 2026')).size).toBe(117);
      // The store goes on where SQLite stopped: the next UID and a new mailbox's id do not collide.
      const appended = await target.append(annvInbox.id, message({ id: 'after' }));
      expect(appended.uid).toBe((await source.store.getMailbox(annv, 'INBOX'))!.uidNext);
      await target.createMailbox(annv, 'Mới');
    } finally {
      await target.close();
      await pool.end();
    }
  });

  test('refuses a PostgreSQL store that already holds mail, and leaves it as it was', async () => {
    const url = await cluster().createDatabase();
    expect((await runCliInProcess(['migrate', '--from', `sqlite:${source.file}`, '--to', url])).code).toBe(0);
    const again = await runCliInProcess(['migrate', '--from', `sqlite:${source.file}`, '--to', url]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds mailboxes/);
  });

  test('a body SQLite had not indexed yet is searchable after the copy (its text taken from the bytes)', async () => {
    const waiting = openTestStore();
    try {
      await waiting.store.ensureAccount(annv);
      const inbox = (await waiting.store.getMailbox(annv, 'INBOX'))!;
      await waiting.store.append(inbox.id, message({ id: 'w1', subject: 'Thông báo lịch trực Tết' }));
      await waiting.store.close();
      const db = new Database(waiting.file);
      db.prepare('DELETE FROM message_text').run();
      db.close();
      const url = await cluster().createDatabase();
      const result = await runCliInProcess(['migrate', '--from', `sqlite:${waiting.file}`, '--to', url, '--json']);
      expect(JSON.parse(result.stdout)).toMatchObject({ messages: 1, textExtracted: 1 });
      const pool = openPostgresPool(url, { poolSize: 2 });
      const target = await PgMailStore.open(pool);
      try {
        expect([...(await target.searchText((await target.getMailbox(annv, 'INBOX'))!.id, 'subject', 'lich truc tet'))]).toEqual([1]);
      } finally {
        await target.close();
        await pool.end();
      }
    } finally {
      fs.rmSync(waiting.dir, { recursive: true, force: true });
    }
  });

  test('the import ledger comes along: an import run again on PostgreSQL skips what came in on SQLite', async () => {
    const dir = fs.mkdtempSync(path.join(source.dir, 'imported-'));
    const file = path.join(dir, 'mail.db');
    const db = openDatabase(file);
    const store = new SqliteMailStore(db);
    const imported = message({ id: 'old-1', subject: 'Công văn từ hệ thống cũ' });
    try {
      await store.ensureAccount(annv);
      const inbox = (await store.getMailbox(annv, 'INBOX'))!;
      const batch = [{ mailbox: inbox.id, raw: imported, flags: [], internalDate: new Date('2025-06-01T02:00:00Z') }];
      expect(await new MboxImportLedger(db, store).appendOnce(batch)).toEqual([{ imported: true, uid: 1 }]);
    } finally {
      await store.close();
    }
    const url = await cluster().createDatabase();
    const result = await runCliInProcess(['migrate', '--from', `sqlite:${file}`, '--to', url, '--json']);
    expect(JSON.parse(result.stdout)).toMatchObject({ messages: 1, importLedger: 1 });
    const pool = openPostgresPool(url, { poolSize: 2 });
    const target = await PgMailStore.open(pool);
    try {
      const inbox = (await target.getMailbox(annv, 'INBOX'))!;
      const again = [{ mailbox: inbox.id, raw: imported, flags: [], internalDate: new Date('2025-06-01T02:00:00Z') }];
      expect(await new PgMboxImportLedger(target).appendOnce(again)).toEqual([{ imported: false }]);
      expect(await target.listMessages(inbox.id)).toHaveLength(1);
    } finally {
      await target.close();
      await pool.end();
    }
  });

  test('a missing SQLite file is an error and no database is created', async () => {
    const missing = path.join(source.dir, 'nothing-here.db');
    const result = await runCliInProcess(['migrate', '--from', `sqlite:${missing}`, '--to', await cluster().createDatabase()]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: cannot open .*nothing-here\.db/);
    expect(fs.existsSync(missing)).toBe(false);
    expect((await runCliInProcess(['migrate', '--from', source.file, '--to', 'x'])).stderr).toMatch(/--from wants sqlite:PATH/);
  });
});
