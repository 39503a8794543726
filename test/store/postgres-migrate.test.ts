import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PgMailStore, asModSeq, asUid, openPostgresPool, type AccountId, type MailStore } from '../../src/store/index.js';
import { runCliInProcess } from '../cli/cli-helpers.js';
import { clusterForThisFile } from '../helpers/postgres-cluster.js';
import { annv, bigMessage, daott, message, openTestStore, type TestStore } from './helpers.js';

// `cantho-mail migrate --from sqlite:PATH --to postgres:URL` (docs/postgres.en.md "Moving an installation").
const cluster = clusterForThisFile();
let source: TestStore;
beforeAll(async () => {
  source = openTestStore();
  await fillSource(source.store);
});
afterAll(async () => {
  await source?.cleanup();
});

/** A little of everything a client has cached: folders, UIDs with gaps, flags, MODSEQs, VANISHED history, private \Seen, a multi-chunk body shared by two accounts. */
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
    expect(report).toMatchObject({ messages: 120 - 3 + 2 + 1, expunged: 3, privateSeen: 3, subscriptions: expect.any(Number) });

    const pool = openPostgresPool(url, { poolSize: 4 });
    const target = await PgMailStore.open(pool);
    try {
      for (const account of [annv, daott]) expect(await snapshot(target, account)).toEqual(await snapshot(source.store, account));
      expect(await target.listSubscriptions(annv)).toEqual(await source.store.listSubscriptions(annv));
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

  test('a missing SQLite file is an error and no database is created', async () => {
    const missing = path.join(source.dir, 'nothing-here.db');
    const result = await runCliInProcess(['migrate', '--from', `sqlite:${missing}`, '--to', await cluster().createDatabase()]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: cannot open .*nothing-here\.db/);
    expect(fs.existsSync(missing)).toBe(false);
    expect((await runCliInProcess(['migrate', '--from', source.file, '--to', 'x'])).stderr).toMatch(/--from wants sqlite:PATH/);
  });
});
