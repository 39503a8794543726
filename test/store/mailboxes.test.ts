import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError, asModSeq, type MailboxChange } from '../../src/store/types.js';
import { annv, daott, message, openTestStore, type TestStore } from './helpers.js';

let t: TestStore;
beforeEach(() => {
  t = openTestStore();
});
afterEach(async () => {
  await t.cleanup();
});

const names = () => t.store.listMailboxes(annv).map((box) => box.name);

function expectStoreError(action: () => unknown, code: StoreError['code']): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(StoreError);
  expect((caught as StoreError).code).toBe(code);
}

describe('accounts', () => {
  it('creates the default folders with their special-use attributes, once', () => {
    t.store.ensureAccount(annv);
    t.store.ensureAccount(annv);
    expect(t.store.listMailboxes(annv).map((box) => [box.name, box.specialUse])).toEqual([
      ['Archive', '\\Archive'],
      ['Drafts', '\\Drafts'],
      ['INBOX', null],
      ['Junk', '\\Junk'],
      ['Sent', '\\Sent'],
      ['Trash', '\\Trash'],
    ]);
    expect(t.store.listSubscriptions(annv)).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
    expect(t.store.listMailboxes(daott)).toEqual([]);
  });

  it('gives every mailbox its own UIDVALIDITY, also when one is deleted and re-created at once', () => {
    t.store.ensureAccount(annv);
    const first = t.store.createMailbox(annv, 'Dự án');
    t.store.deleteMailbox(annv, 'Dự án');
    const second = t.store.createMailbox(annv, 'Dự án');
    expect(second.uidValidity).not.toBe(first.uidValidity);
    const all = t.store.listMailboxes(annv).map((box) => box.uidValidity);
    expect(new Set(all).size).toBe(all.length);
    expect(second.uidNext).toBe(1);
  });

  it('does not re-create a default folder the user renamed', () => {
    t.store.ensureAccount(annv);
    t.store.renameMailbox(annv, 'Sent', 'Đã gửi');
    t.store.ensureAccount(annv);
    expect(names()).toContain('Đã gửi');
    expect(names()).not.toContain('Sent');
    expect(t.store.getMailbox(annv, 'Đã gửi')?.specialUse).toBe('\\Sent');
  });
});

describe('mailbox names', () => {
  beforeEach(() => t.store.ensureAccount(annv));

  it('finds INBOX in any case, other names case-sensitively', () => {
    expect(t.store.getMailbox(annv, 'inbox')?.name).toBe('INBOX');
    expect(t.store.getMailbox(annv, 'InBox')?.name).toBe('INBOX');
    expect(t.store.getMailbox(annv, 'sent')).toBeNull();
  });

  it('creates missing parents and treats NFC and NFD spellings as one name', () => {
    t.store.createMailbox(annv, 'Dự án/2026/Quý 4');
    expect(names()).toEqual(expect.arrayContaining(['Dự án', 'Dự án/2026', 'Dự án/2026/Quý 4']));
    expect(t.store.getMailbox(annv, 'Dự án'.normalize('NFD'))?.name).toBe('Dự án');
    expectStoreError(() => t.store.createMailbox(annv, 'Dự án'.normalize('NFD')), 'already-exists');
    expectStoreError(() => t.store.createMailbox(annv, 'inbox'), 'already-exists');
    expect(t.store.createMailbox(annv, 'inbox/Việc').name).toBe('INBOX/Việc');
  });

  it('refuses invalid names', () => {
    for (const bad of ['', '/a', 'a/', 'a//b', 'a*', 'b%', 'x\ty', 'a'.repeat(256)]) {
      expectStoreError(() => t.store.createMailbox(annv, bad), 'invalid-name');
    }
  });
});

describe('rename', () => {
  beforeEach(() => t.store.ensureAccount(annv));

  it('renames a mailbox with its children, keeping UIDVALIDITY and messages', () => {
    const parent = t.store.createMailbox(annv, 'Công văn');
    const child = t.store.createMailbox(annv, 'Công văn/Đến');
    t.store.createMailbox(annv, 'Công văn bản khác');
    t.store.append(child.id, message({ subject: 'CV 12' }));
    t.store.renameMailbox(annv, 'Công văn', 'Lưu trữ/Công văn cũ');
    expect(names()).toEqual(
      expect.arrayContaining(['Lưu trữ', 'Lưu trữ/Công văn cũ', 'Lưu trữ/Công văn cũ/Đến', 'Công văn bản khác']),
    );
    expect(names()).not.toContain('Công văn');
    const moved = t.store.getMailbox(annv, 'Lưu trữ/Công văn cũ/Đến')!;
    expect(moved.id).toBe(child.id);
    expect(moved.uidValidity).toBe(child.uidValidity);
    expect(t.store.getMailbox(annv, 'Lưu trữ/Công văn cũ')!.uidValidity).toBe(parent.uidValidity);
    expect(t.store.listMessages(moved.id)).toHaveLength(1);
  });

  it('refuses to rename onto an existing name, below itself, or a missing mailbox', () => {
    t.store.createMailbox(annv, 'A/B');
    t.store.createMailbox(annv, 'C/B');
    expectStoreError(() => t.store.renameMailbox(annv, 'A', 'Sent'), 'already-exists');
    expectStoreError(() => t.store.renameMailbox(annv, 'A', 'A/X'), 'cannot');
    expectStoreError(() => t.store.renameMailbox(annv, 'Missing', 'Y'), 'nonexistent');
    expectStoreError(() => t.store.renameMailbox(annv, 'A', 'C'), 'already-exists');
    expect(names()).toEqual(expect.arrayContaining(['A', 'A/B', 'C', 'C/B']));
  });

  it('renaming INBOX moves its messages to a new mailbox and leaves INBOX empty, children in place', () => {
    const inbox = t.store.getMailbox(annv, 'INBOX')!;
    t.store.createMailbox(annv, 'INBOX/Con');
    t.store.append(inbox.id, message({ subject: 'một' }), { flags: ['\\Seen'] });
    t.store.append(inbox.id, message({ subject: 'hai' }));
    const changes: MailboxChange[] = [];
    t.store.events.on('change', (change) => changes.push(change));
    t.store.renameMailbox(annv, 'inbox', 'Thư cũ');
    const old = t.store.getMailbox(annv, 'Thư cũ')!;
    expect(old.uidValidity).not.toBe(inbox.uidValidity);
    expect(t.store.listMessages(old.id).map((row) => [row.uid, row.flags])).toEqual([
      [1, ['\\Seen']],
      [2, []],
    ]);
    expect(t.store.listMessages(inbox.id)).toEqual([]);
    expect(t.store.getMailbox(annv, 'INBOX')!.id).toBe(inbox.id);
    expect(names()).toContain('INBOX/Con');
    expect(t.store.expungedSince(inbox.id, asModSeq(0))).toEqual([1, 2]);
    expect(changes.map((change) => change.kind).sort()).toEqual(['append', 'expunge', 'mailboxes']);
  });
});

describe('delete', () => {
  beforeEach(() => t.store.ensureAccount(annv));

  it('deletes a mailbox and its messages; the usage drops', () => {
    const box = t.store.createMailbox(annv, 'Tạm');
    const raw = message();
    t.store.append(box.id, raw);
    expect(t.store.accountUsage(annv)).toBe(raw.length);
    t.store.deleteMailbox(annv, 'Tạm');
    expect(t.store.getMailbox(annv, 'Tạm')).toBeNull();
    expect(t.store.getMailboxById(box.id)).toBeNull();
    expect(t.store.accountUsage(annv)).toBe(0);
    expect(t.store.purgeUnreferencedBlobs()).toBe(1);
  });

  it('refuses INBOX and a missing mailbox', () => {
    expectStoreError(() => t.store.deleteMailbox(annv, 'inbox'), 'cannot');
    expectStoreError(() => t.store.deleteMailbox(annv, 'Không có'), 'nonexistent');
  });

  it('deletes a parent and its messages but not its children; the name comes back only by CREATE', () => {
    const parent = t.store.createMailbox(annv, 'Cha');
    t.store.createMailbox(annv, 'Cha/Con');
    t.store.append(parent.id, message());
    t.store.deleteMailbox(annv, 'Cha');
    expect(names()).not.toContain('Cha');
    expect(names()).toContain('Cha/Con');
    expect(t.store.accountUsage(annv)).toBe(0);
    // RFC 3501 §6.3.3: a \Noselect name is not a "needed" superior; CREATE of the name itself is.
    t.store.createMailbox(annv, 'Cha/Em');
    expect(names()).not.toContain('Cha');
    expectStoreError(() => t.store.renameMailbox(annv, 'Cha/Em', 'Cha'), 'already-exists');
    const again = t.store.createMailbox(annv, 'Cha');
    expect(again.uidValidity).not.toBe(parent.uidValidity);
    expect(t.store.listMessages(again.id)).toEqual([]);
  });
});

describe('subscriptions', () => {
  it('are names, kept for mailboxes that do not exist, INBOX in capitals', () => {
    t.store.setSubscribed(annv, 'Không tồn tại', true);
    t.store.setSubscribed(annv, 'inbox', true);
    t.store.setSubscribed(annv, 'inbox', true);
    expect(t.store.listSubscriptions(annv)).toEqual(['INBOX', 'Không tồn tại']);
    t.store.setSubscribed(annv, 'Không tồn tại', false);
    expect(t.store.listSubscriptions(annv)).toEqual(['INBOX']);
    expect(t.store.listSubscriptions(daott)).toEqual([]);
  });
});
