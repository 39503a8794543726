import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, SqliteMailStore } from '../../src/store/index.js';
import { asAccountId, asUid, type MailboxId } from '../../src/store/types.js';
import { unitMessage } from './support.js';

/** MailStore.privateSeen / setPrivateSeen (docs/architecture.md "Unit mailboxes", seen mode 'private') on a real SQLite store. */

const UNIT = asAccountId('vpubnd@cantho.gov.vn');
const ANNV = asAccountId('annv@cantho.gov.vn');
const BINHTT = asAccountId('binhtt@cantho.gov.vn');
let dir: string;
let store: SqliteMailStore;
let inbox: MailboxId;

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cm-'));
  store = new SqliteMailStore(openDatabase(path.join(dir, 'mail.db')));
  store.ensureAccount(UNIT);
  inbox = store.getMailbox(UNIT, 'INBOX')!.id;
  for (const subject of ['một', 'hai', 'ba']) await store.deliver([{ account: UNIT, folder: 'INBOX' }], unitMessage(subject));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('private \\Seen', () => {
  it('keeps each reader apart and reports only real changes', () => {
    expect(store.setPrivateSeen(inbox, ANNV, [asUid(1), asUid(3)], true)).toEqual([1, 3]);
    expect(store.setPrivateSeen(inbox, ANNV, [asUid(1), asUid(2)], true)).toEqual([2]);
    expect(store.setPrivateSeen(inbox, ANNV, [asUid(2)], false)).toEqual([2]);
    expect(store.setPrivateSeen(inbox, ANNV, [asUid(2)], false)).toEqual([]);
    expect([...store.privateSeen(inbox, ANNV)].sort()).toEqual([1, 3]);
    expect(store.privateSeen(inbox, BINHTT)).toEqual(new Set());
    // The team's row is not touched.
    expect(store.listMessages(inbox).map((r) => r.flags)).toEqual([[], [], []]);
  });

  it('ignores UIDs that do not exist', () => {
    expect(store.setPrivateSeen(inbox, ANNV, [asUid(2), asUid(99)], true)).toEqual([2]);
    expect([...store.privateSeen(inbox, ANNV)]).toEqual([2]);
  });

  it('goes with the message: expunge, move and mailbox deletion leave nothing behind', () => {
    store.setPrivateSeen(inbox, ANNV, [asUid(1), asUid(2), asUid(3)], true);
    store.storeFlags(inbox, [asUid(1)], 'add', ['\\Deleted']);
    store.expunge(inbox);
    expect([...store.privateSeen(inbox, ANNV)].sort()).toEqual([2, 3]);
    store.moveMessages(inbox, [asUid(2)], store.getMailbox(UNIT, 'Archive')!.id);
    expect([...store.privateSeen(inbox, ANNV)]).toEqual([3]);
    store.createMailbox(UNIT, 'Tạm');
    const temp = store.getMailbox(UNIT, 'Tạm')!.id;
    store.copyMessages(inbox, [asUid(3)], temp);
    store.setPrivateSeen(temp, ANNV, [asUid(1)], true);
    store.deleteMailbox(UNIT, 'Tạm');
    expect(store.privateSeen(temp, ANNV)).toEqual(new Set());
  });

  it('forgets a purged reader, so a person later given the same address has read nothing', () => {
    store.setPrivateSeen(inbox, ANNV, [asUid(1), asUid(2)], true);
    store.setPrivateSeen(inbox, BINHTT, [asUid(2)], true);
    store.ensureAccount(ANNV);
    store.purgeAccount(ANNV);
    expect(store.privateSeen(inbox, ANNV)).toEqual(new Set());
    expect([...store.privateSeen(inbox, BINHTT)]).toEqual([2]);
    store.ensureAccount(ANNV);
    expect(store.privateSeen(inbox, ANNV)).toEqual(new Set());
  });
});
