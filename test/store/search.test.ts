/**
 * Search as SQLite keeps it: the trigram index filled after the commit, read by a search worker's
 * own connection, rebuilt at start and by the schema migration. What any backend's search must
 * find is in the contract suite, test/store/contract/search.ts.
 */
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { SearchReader } from '../../src/store/search-reader.js';
import { SqliteMailStore } from '../../src/store/sqlite-store.js';
import type { MailboxInfo } from '../../src/store/types.js';
import { annv, deliverSearchSamples, message, openTestStore, unindexedBodies, type TestStore } from './helpers.js';

let t: TestStore;
let inbox: MailboxInfo;

beforeEach(async () => {
  t = openTestStore();
  await deliverSearchSamples(t.store);
  inbox = (await t.store.getMailbox(annv, 'INBOX'))!;
});
afterEach(async () => {
  await t.cleanup();
});

const search = async (field: Parameters<typeof t.store.searchText>[1], query: string) => [...(await t.store.searchText(inbox.id, field, query))];

describe('indexing after the delivery has committed', () => {
  // The index's delay is a timer: frozen here, so a loaded machine cannot index before the checks
  // (the search first indexes the setup's messages and disarms the real one).
  beforeEach(async () => {
    expect(await search('subject', 'lich hop')).toEqual([2]);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a search finds a message delivered a moment ago, on the store and on a search worker\'s connection', async () => {
    expect(unindexedBodies(t.file)).toBe(0);
    await t.store.deliver([{ account: annv, folder: 'INBOX' }], message({ subject: 'Công văn khẩn', body: 'Phúc đáp trước thứ Sáu.' }));
    expect(unindexedBodies(t.file)).toBe(1);
    const reader = new SearchReader(t.file);
    expect([...(await reader.searchText(inbox.id, 'subject', 'cong van khan'))]).toEqual([3]);
    expect([...(await reader.searchText(inbox.id, 'body', 'sá'))]).toEqual([3]);
    expect([...(await reader.searchText(inbox.id, 'text', 'phe duyet'))]).toEqual([1]);
    expect(await search('body', 'phuc dap')).toEqual([3]);
    // The store's own search indexed what was waiting.
    expect(unindexedBodies(t.file)).toBe(0);
    expect([...(await reader.searchText(inbox.id, 'body', 'phuc dap'))]).toEqual([3]);
  });

  it('the server indexes at start what a crash left unindexed; another process (the CLI) leaves it to the server', async () => {
    await t.store.deliver([{ account: annv, folder: 'INBOX' }], message({ subject: 'Báo cáo quý', body: 'Số liệu kèm theo.' }));
    expect(unindexedBodies(t.file)).toBe(1);
    const cli = new SqliteMailStore(openDatabase(t.file));
    await cli.close();
    expect(unindexedBodies(t.file)).toBe(1);
    const again = new SqliteMailStore(openDatabase(t.file), { indexUnindexed: true });
    try {
      expect(unindexedBodies(t.file)).toBe(0);
      expect([...(await again.searchText(inbox.id, 'subject', 'bao cao quy'))]).toEqual([3]);
    } finally {
      await again.close();
    }
  });
});

describe('the substring index of mail stored before it existed', () => {
  it('is built at start-up by the migration to the trigram index', async () => {
    await t.store.close();
    // The state a database of the word index (store schema version 1) is in.
    const old = openDatabase(t.file);
    old.exec(`
      DROP TRIGGER blobs_text_delete;
      DROP TABLE message_text;
      CREATE VIRTUAL TABLE message_fts USING fts5(subject, from_addr, to_addr, cc_addr, bcc_addr, body, content = '', contentless_delete = 1);
      CREATE TRIGGER blobs_fts_delete AFTER DELETE ON blobs BEGIN DELETE FROM message_fts WHERE rowid = OLD.id; END;
      DELETE FROM schema_migrations WHERE component = 'store' AND version = 2;
    `);
    old.close();
    const reopened = new SqliteMailStore(openDatabase(t.file), { indexUnindexed: true });
    try {
      const box = (await reopened.getMailbox(annv, 'INBOX'))!;
      expect([...(await reopened.searchText(box.id, 'body', 'ghi so noi'))]).toEqual([1]);
      expect([...(await reopened.searchText(box.id, 'from', 'aott@'))]).toEqual([2]);
    } finally {
      await reopened.close();
      // The first store is closed already: afterEach has only the directory left to remove.
      const dir = t.dir;
      t = { ...t, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
    }
  });
});
