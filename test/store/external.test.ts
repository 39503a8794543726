/**
 * SQLite-specific: a write by another connection to the same file (the CLI) is noticed and
 * announced as an "external" change. Not part of the contract suite.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { SqliteMailStore } from '../../src/store/sqlite-store.js';
import type { MailboxChange } from '../../src/store/types.js';
import { annv, openTestStore, type TestStore } from './helpers.js';

let t: TestStore;
beforeEach(() => {
  t = openTestStore();
});
afterEach(async () => {
  await t.cleanup();
});

it('tells listeners within a second when another connection (the CLI) changed the database', async () => {
  const external: MailboxChange[] = [];
  t.store.events.on('change', (change) => {
    if (change.kind === 'external') external.push(change);
  });
  // Our own writes are not "external".
  await t.store.ensureAccount(annv);
  await new Promise((resolve) => setTimeout(resolve, 700));
  expect(external).toEqual([]);

  const cli = new SqliteMailStore(openDatabase(t.file));
  await cli.createMailbox(annv, 'Từ CLI');
  await cli.close();
  const started = Date.now();
  while (external.length === 0 && Date.now() - started < 1500) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(external).toEqual([{ kind: 'external' }]);
  expect(await t.store.getMailbox(annv, 'Từ CLI')).not.toBeNull();
});
