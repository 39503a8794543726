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
  await store.ensureAccount(UNIT);
  inbox = (await store.getMailbox(UNIT, 'INBOX'))!.id;
  for (const subject of ['một', 'hai', 'ba']) await store.deliver([{ account: UNIT, folder: 'INBOX' }], unitMessage(subject));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('private \\Seen', () => {
  it('keeps each reader apart and reports only real changes', async () => {
    expect(await store.setPrivateSeen(inbox, ANNV, [asUid(1), asUid(3)], true)).toEqual([1, 3]);
    expect(await store.setPrivateSeen(inbox, ANNV, [asUid(1), asUid(2)], true)).toEqual([2]);
    expect(await store.setPrivateSeen(inbox, ANNV, [asUid(2)], false)).toEqual([2]);
    expect(await store.setPrivateSeen(inbox, ANNV, [asUid(2)], false)).toEqual([]);
    expect([...await store.privateSeen(inbox, ANNV)].sort()).toEqual([1, 3]);
    expect(await store.privateSeen(inbox, BINHTT)).toEqual(new Set());
    // The team's row is not touched.
    expect((await store.listMessages(inbox)).map((r) => r.flags)).toEqual([[], [], []]);
  });

  it('ignores UIDs that do not exist', async () => {
    expect(await store.setPrivateSeen(inbox, ANNV, [asUid(2), asUid(99)], true)).toEqual([2]);
    expect([...await store.privateSeen(inbox, ANNV)]).toEqual([2]);
  });

  it('goes with the message: expunge, move and mailbox deletion leave nothing behind', async () => {
    await store.setPrivateSeen(inbox, ANNV, [asUid(1), asUid(2), asUid(3)], true);
    await store.storeFlags(inbox, [asUid(1)], 'add', ['\\Deleted']);
    await store.expunge(inbox);
    expect([...await store.privateSeen(inbox, ANNV)].sort()).toEqual([2, 3]);
    await store.moveMessages(inbox, [asUid(2)], (await store.getMailbox(UNIT, 'Archive'))!.id);
    expect([...await store.privateSeen(inbox, ANNV)]).toEqual([3]);
    await store.createMailbox(UNIT, 'Tạm');
    const temp = (await store.getMailbox(UNIT, 'Tạm'))!.id;
    await store.copyMessages(inbox, [asUid(3)], temp);
    await store.setPrivateSeen(temp, ANNV, [asUid(1)], true);
    await store.deleteMailbox(UNIT, 'Tạm');
    expect(await store.privateSeen(temp, ANNV)).toEqual(new Set());
  });

  it('forgets a purged reader, so a person later given the same address has read nothing', async () => {
    await store.setPrivateSeen(inbox, ANNV, [asUid(1), asUid(2)], true);
    await store.setPrivateSeen(inbox, BINHTT, [asUid(2)], true);
    await store.ensureAccount(ANNV);
    await store.purgeAccount(ANNV);
    expect(await store.privateSeen(inbox, ANNV)).toEqual(new Set());
    expect([...await store.privateSeen(inbox, BINHTT)]).toEqual([2]);
    await store.ensureAccount(ANNV);
    expect(await store.privateSeen(inbox, ANNV)).toEqual(new Set());
  });
});
