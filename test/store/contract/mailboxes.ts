import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError, asModSeq, type MailboxChange } from '../../../src/store/types.js';
import { annv, daott, message } from './samples.js';
import type { OpenBackend, StoreBackend } from './backend.js';

/** Accounts and mailboxes: default folders, names, hierarchy, RENAME/DELETE, subscriptions, UIDVALIDITY, usage. */
export function describeMailboxContract(open: OpenBackend): void {
  let t: StoreBackend;
  beforeEach(async () => {
    t = await open();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const names = async () => (await t.store.listMailboxes(annv)).map((box) => box.name);

  async function expectStoreError(action: () => Promise<unknown>, code: StoreError['code']): Promise<void> {
    let caught: unknown;
    try {
      await action();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StoreError);
    expect((caught as StoreError).code).toBe(code);
  }

  describe('accounts', () => {
    it('creates the default folders with their special-use attributes, once', async () => {
      await t.store.ensureAccount(annv);
      await t.store.ensureAccount(annv);
      expect((await t.store.listMailboxes(annv)).map((box) => [box.name, box.specialUse])).toEqual([
        ['Archive', '\\Archive'],
        ['Drafts', '\\Drafts'],
        ['INBOX', null],
        ['Junk', '\\Junk'],
        ['Sent', '\\Sent'],
        ['Trash', '\\Trash'],
      ]);
      expect(await t.store.listSubscriptions(annv)).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
      expect(await t.store.listMailboxes(daott)).toEqual([]);
    });

    it('gives every mailbox its own UIDVALIDITY, also when one is deleted and re-created at once', async () => {
      await t.store.ensureAccount(annv);
      const first = await t.store.createMailbox(annv, 'Dự án');
      await t.store.deleteMailbox(annv, 'Dự án');
      const second = await t.store.createMailbox(annv, 'Dự án');
      expect(second.uidValidity).not.toBe(first.uidValidity);
      const all = (await t.store.listMailboxes(annv)).map((box) => box.uidValidity);
      expect(new Set(all).size).toBe(all.length);
      expect(second.uidNext).toBe(1);
    });

    it('does not re-create a default folder the user renamed', async () => {
      await t.store.ensureAccount(annv);
      await t.store.renameMailbox(annv, 'Sent', 'Đã gửi');
      await t.store.ensureAccount(annv);
      expect(await names()).toContain('Đã gửi');
      expect(await names()).not.toContain('Sent');
      expect((await t.store.getMailbox(annv, 'Đã gửi'))?.specialUse).toBe('\\Sent');
    });
  });

  describe('mailbox names', () => {
    beforeEach(async () => await t.store.ensureAccount(annv));

    it('finds INBOX in any case, other names case-sensitively', async () => {
      expect((await t.store.getMailbox(annv, 'inbox'))?.name).toBe('INBOX');
      expect((await t.store.getMailbox(annv, 'InBox'))?.name).toBe('INBOX');
      expect(await t.store.getMailbox(annv, 'sent')).toBeNull();
    });

    it('creates missing parents and treats NFC and NFD spellings as one name', async () => {
      await t.store.createMailbox(annv, 'Dự án/2026/Quý 4');
      expect(await names()).toEqual(expect.arrayContaining(['Dự án', 'Dự án/2026', 'Dự án/2026/Quý 4']));
      expect((await t.store.getMailbox(annv, 'Dự án'.normalize('NFD')))?.name).toBe('Dự án');
      await expectStoreError(() => t.store.createMailbox(annv, 'Dự án'.normalize('NFD')), 'already-exists');
      await expectStoreError(() => t.store.createMailbox(annv, 'inbox'), 'already-exists');
      expect((await t.store.createMailbox(annv, 'inbox/Việc')).name).toBe('INBOX/Việc');
    });

    it('refuses invalid names', async () => {
      for (const bad of ['', '/a', 'a/', 'a//b', 'a*', 'b%', 'x\ty', 'a'.repeat(256)]) {
        await expectStoreError(() => t.store.createMailbox(annv, bad), 'invalid-name');
      }
    });
  });

  describe('rename', () => {
    beforeEach(async () => await t.store.ensureAccount(annv));

    it('renames a mailbox with its children, keeping UIDVALIDITY and messages', async () => {
      const parent = await t.store.createMailbox(annv, 'Công văn');
      const child = await t.store.createMailbox(annv, 'Công văn/Đến');
      await t.store.createMailbox(annv, 'Công văn bản khác');
      await t.store.append(child.id, message({ subject: 'CV 12' }));
      await t.store.renameMailbox(annv, 'Công văn', 'Lưu trữ/Công văn cũ');
      expect(await names()).toEqual(
        expect.arrayContaining(['Lưu trữ', 'Lưu trữ/Công văn cũ', 'Lưu trữ/Công văn cũ/Đến', 'Công văn bản khác']),
      );
      expect(await names()).not.toContain('Công văn');
      const moved = (await t.store.getMailbox(annv, 'Lưu trữ/Công văn cũ/Đến'))!;
      expect(moved.id).toBe(child.id);
      expect(moved.uidValidity).toBe(child.uidValidity);
      expect((await t.store.getMailbox(annv, 'Lưu trữ/Công văn cũ'))!.uidValidity).toBe(parent.uidValidity);
      expect(await t.store.listMessages(moved.id)).toHaveLength(1);
    });

    it('refuses to rename onto an existing name, below itself, or a missing mailbox', async () => {
      await t.store.createMailbox(annv, 'A/B');
      await t.store.createMailbox(annv, 'C/B');
      await expectStoreError(() => t.store.renameMailbox(annv, 'A', 'Sent'), 'already-exists');
      await expectStoreError(() => t.store.renameMailbox(annv, 'A', 'A/X'), 'cannot');
      await expectStoreError(() => t.store.renameMailbox(annv, 'Missing', 'Y'), 'nonexistent');
      await expectStoreError(() => t.store.renameMailbox(annv, 'A', 'C'), 'already-exists');
      expect(await names()).toEqual(expect.arrayContaining(['A', 'A/B', 'C', 'C/B']));
    });

    it('renaming INBOX moves its messages to a new mailbox and leaves INBOX empty, children in place', async () => {
      const inbox = (await t.store.getMailbox(annv, 'INBOX'))!;
      await t.store.createMailbox(annv, 'INBOX/Con');
      await t.store.append(inbox.id, message({ subject: 'một' }), { flags: ['\\Seen'] });
      await t.store.append(inbox.id, message({ subject: 'hai' }));
      const changes: MailboxChange[] = [];
      t.store.events.on('change', (change) => changes.push(change));
      await t.store.renameMailbox(annv, 'inbox', 'Thư cũ');
      const old = (await t.store.getMailbox(annv, 'Thư cũ'))!;
      expect(old.uidValidity).not.toBe(inbox.uidValidity);
      expect((await t.store.listMessages(old.id)).map((row) => [row.uid, row.flags])).toEqual([
        [1, ['\\Seen']],
        [2, []],
      ]);
      expect(await t.store.listMessages(inbox.id)).toEqual([]);
      expect((await t.store.getMailbox(annv, 'INBOX'))!.id).toBe(inbox.id);
      expect(await names()).toContain('INBOX/Con');
      expect(await t.store.expungedSince(inbox.id, asModSeq(0))).toEqual([1, 2]);
      expect(changes.map((change) => change.kind).sort()).toEqual(['append', 'expunge', 'mailboxes']);
    });
  });

  describe('largest mailbox', () => {
    it('is the one holding the most octets of any account, none while every mailbox is empty or once it is emptied', async () => {
      await t.store.ensureAccount(annv);
      await t.store.ensureAccount(daott);
      expect(await t.store.largestMailbox()).toBeNull();
      const inbox = (await t.store.getMailbox(annv, 'INBOX'))!;
      await t.store.append(inbox.id, message({ subject: 'Một' }));
      expect((await t.store.largestMailbox())?.id).toBe(inbox.id);
      const archive = (await t.store.getMailbox(daott, 'Archive'))!;
      await t.store.append(archive.id, message({ subject: 'Hai', body: 'Báo cáo quý ba, bản đầy đủ. '.repeat(40) }));
      expect(await t.store.largestMailbox()).toMatchObject({ id: archive.id, account: daott, name: 'Archive' });
      for (const box of [archive, inbox]) {
        const uids = (await t.store.listMessages(box.id)).map((row) => row.uid);
        await t.store.storeFlags(box.id, uids, 'add', ['\\Deleted']);
        await t.store.expunge(box.id);
      }
      expect(await t.store.largestMailbox()).toBeNull();
    });
  });

  describe('delete', () => {
    beforeEach(async () => await t.store.ensureAccount(annv));

    it('deletes a mailbox and its messages; the usage drops', async () => {
      const box = await t.store.createMailbox(annv, 'Tạm');
      const raw = message();
      await t.store.append(box.id, raw);
      expect(await t.store.accountUsage(annv)).toBe(raw.length);
      await t.store.deleteMailbox(annv, 'Tạm');
      expect(await t.store.getMailbox(annv, 'Tạm')).toBeNull();
      expect(await t.store.getMailboxById(box.id)).toBeNull();
      expect(await t.store.accountUsage(annv)).toBe(0);
      expect(await t.store.purgeUnreferencedBlobs()).toBe(1);
    });

    it('refuses INBOX and a missing mailbox', async () => {
      await expectStoreError(() => t.store.deleteMailbox(annv, 'inbox'), 'cannot');
      await expectStoreError(() => t.store.deleteMailbox(annv, 'Không có'), 'nonexistent');
    });

    it('deletes a parent and its messages but not its children; the name comes back only by CREATE', async () => {
      const parent = await t.store.createMailbox(annv, 'Cha');
      await t.store.createMailbox(annv, 'Cha/Con');
      await t.store.append(parent.id, message());
      await t.store.deleteMailbox(annv, 'Cha');
      expect(await names()).not.toContain('Cha');
      expect(await names()).toContain('Cha/Con');
      expect(await t.store.accountUsage(annv)).toBe(0);
      // RFC 3501 §6.3.3: a \Noselect name is not a "needed" superior; CREATE of the name itself is.
      await t.store.createMailbox(annv, 'Cha/Em');
      expect(await names()).not.toContain('Cha');
      await expectStoreError(() => t.store.renameMailbox(annv, 'Cha/Em', 'Cha'), 'already-exists');
      const again = await t.store.createMailbox(annv, 'Cha');
      expect(again.uidValidity).not.toBe(parent.uidValidity);
      expect(await t.store.listMessages(again.id)).toEqual([]);
    });
  });

  describe('subscriptions', () => {
    it('are names, kept for mailboxes that do not exist, INBOX in capitals', async () => {
      await t.store.setSubscribed(annv, 'Không tồn tại', true);
      await t.store.setSubscribed(annv, 'inbox', true);
      await t.store.setSubscribed(annv, 'inbox', true);
      expect(await t.store.listSubscriptions(annv)).toEqual(['INBOX', 'Không tồn tại']);
      await t.store.setSubscribed(annv, 'Không tồn tại', false);
      expect(await t.store.listSubscriptions(annv)).toEqual(['INBOX']);
      expect(await t.store.listSubscriptions(daott)).toEqual([]);
    });
  });
}
