import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError, asMailboxId, asModSeq, asUid, type MailboxChange, type MailboxInfo, type Uid } from '../../src/store/types.js';
import { annv, message, openTestStore, type TestStore } from './helpers.js';

let t: TestStore;
let inbox: MailboxInfo;
const uids = (...n: number[]): Uid[] => n.map(asUid);

beforeEach(() => {
  t = openTestStore();
  t.store.ensureAccount(annv);
  inbox = t.store.getMailbox(annv, 'INBOX')!;
  for (let i = 1; i <= 5; i++) t.store.append(inbox.id, message({ id: `m${i}`, subject: `Thư ${i}` }));
});
afterEach(async () => {
  await t.cleanup();
});

const flagsOf = (mailbox = inbox) => t.store.listMessages(mailbox.id).map((row) => [row.uid, row.flags]);

describe('storeFlags', () => {
  it('sets, adds and removes flags and keywords, case-insensitively, with canonical system flag names', () => {
    t.store.storeFlags(inbox.id, uids(1, 2), 'add', ['\\seen', '$Label1']);
    t.store.storeFlags(inbox.id, uids(2), 'add', ['\\SEEN', '$label1', '\\Flagged']);
    t.store.storeFlags(inbox.id, uids(3), 'set', ['\\Answered', 'Viec']);
    t.store.storeFlags(inbox.id, uids(1), 'remove', ['$LABEL1']);
    expect(flagsOf()).toEqual([
      [1, ['\\Seen']],
      [2, ['\\Seen', '\\Flagged', '$Label1']],
      [3, ['\\Answered', 'Viec']],
      [4, []],
      [5, []],
    ]);
    t.store.storeFlags(inbox.id, uids(3), 'set', []);
    expect(flagsOf()[2]).toEqual([3, []]);
  });

  it('gives the changed rows one new MODSEQ and leaves unchanged rows alone', () => {
    const before = t.store.listMessages(inbox.id);
    t.store.storeFlags(inbox.id, uids(1), 'add', ['\\Seen']);
    const highest = t.store.getMailbox(annv, 'INBOX')!.highestModSeq;
    const result = t.store.storeFlags(inbox.id, uids(1, 2, 3), 'add', ['\\Seen']);
    const after = t.store.getMailbox(annv, 'INBOX')!.highestModSeq;
    expect(after).toBe(highest + 1);
    expect(result.updated.map((row) => [row.uid, row.modSeq])).toEqual([
      [2, after],
      [3, after],
    ]);
    expect(result.modified).toEqual([]);
    const rows = t.store.listMessages(inbox.id);
    expect(rows[3]!.modSeq).toBe(before[3]!.modSeq);
    expect(t.store.listMessages(inbox.id, { changedSince: asModSeq(highest) }).map((row) => row.uid)).toEqual([2, 3]);
    // A no-op STORE changes nothing, not even HIGHESTMODSEQ.
    expect(t.store.storeFlags(inbox.id, uids(1, 2, 3), 'add', ['\\Seen']).updated).toEqual([]);
    expect(t.store.getMailbox(annv, 'INBOX')!.highestModSeq).toBe(after);
  });

  it('UNCHANGEDSINCE: rows changed later are reported as modified and left alone (RFC 7162 §3.1.3)', () => {
    const snapshot = t.store.getMailbox(annv, 'INBOX')!.highestModSeq;
    t.store.storeFlags(inbox.id, uids(2), 'add', ['\\Flagged']);
    const result = t.store.storeFlags(inbox.id, uids(1, 2, 3), 'add', ['\\Seen'], snapshot);
    expect(result.modified).toEqual([2]);
    expect(result.updated.map((row) => row.uid)).toEqual([1, 3]);
    expect(flagsOf().slice(0, 3)).toEqual([
      [1, ['\\Seen']],
      [2, ['\\Flagged']],
      [3, ['\\Seen']],
    ]);
    // UNCHANGEDSINCE 0 always fails.
    expect(t.store.storeFlags(inbox.id, uids(4), 'add', ['\\Seen'], asModSeq(0)).modified).toEqual([4]);
  });

  it('refuses \\Recent-like inventions and atoms with special characters, ignores \\Recent', () => {
    expect(() => t.store.storeFlags(inbox.id, uids(1), 'add', ['\\Important'])).toThrow(StoreError);
    expect(() => t.store.storeFlags(inbox.id, uids(1), 'add', ['bad keyword'])).toThrow(StoreError);
    expect(() => t.store.storeFlags(inbox.id, uids(1), 'add', ['a]b'])).toThrow(StoreError);
    expect(() => t.store.storeFlags(inbox.id, uids(1), 'add', ['Khẩn'])).toThrow(StoreError);
    t.store.storeFlags(inbox.id, uids(1), 'add', ['\\Recent']);
    expect(flagsOf()[0]).toEqual([1, []]);
  });

  it('emits a flags event with the changed UIDs', () => {
    const changes: MailboxChange[] = [];
    t.store.events.on('change', (change) => changes.push(change));
    t.store.storeFlags(inbox.id, uids(1, 4, 99), 'add', ['\\Seen']);
    expect(changes).toEqual([
      { kind: 'flags', account: annv, mailbox: inbox.id, uids: [1, 4], modSeq: t.store.getMailbox(annv, 'INBOX')!.highestModSeq },
    ]);
  });

  it('handles a STORE over 10,000 UIDs in one statement', () => {
    const all = Array.from({ length: 10_000 }, (_, i) => asUid(i + 1));
    expect(t.store.storeFlags(inbox.id, all, 'add', ['\\Seen']).updated).toHaveLength(5);
  });
});

describe('copy and move', () => {
  it('COPY maps source UIDs to new destination UIDs in order, keeps flags, sets \\Recent, shares the body', () => {
    const archive = t.store.getMailbox(annv, 'Archive')!;
    t.store.append(archive.id, message());
    t.store.storeFlags(inbox.id, uids(4), 'add', ['\\Flagged', 'Urgent']);
    t.store.claimRecent(inbox.id);
    const result = t.store.copyMessages(inbox.id, uids(4, 2, 9), archive.id);
    expect(result).toEqual({ uidValidity: archive.uidValidity, mapping: [[2, 2], [4, 3]] });
    const rows = t.store.listMessages(archive.id);
    expect(rows.map((row) => [row.uid, row.flags])).toEqual([
      [1, []],
      [2, []],
      [3, ['\\Flagged', 'Urgent']],
    ]);
    expect(rows[2]!.blobId).toBe(t.store.listMessages(inbox.id)[3]!.blobId);
    expect(t.store.claimRecent(archive.id)).toEqual([1, 2, 3]);
    expect(t.store.listMessages(inbox.id)).toHaveLength(5);
  });

  it('MOVE copies and expunges in one step, and the source remembers the UIDs as expunged', () => {
    const trash = t.store.getMailbox(annv, 'Trash')!;
    const changes: MailboxChange[] = [];
    t.store.events.on('change', (change) => changes.push(change));
    const modSeqBefore = t.store.getMailbox(annv, 'INBOX')!.highestModSeq;
    const result = t.store.moveMessages(inbox.id, uids(1, 3), trash.id);
    expect(result.mapping).toEqual([[1, 1], [3, 2]]);
    expect(t.store.listMessages(inbox.id).map((row) => row.uid)).toEqual([2, 4, 5]);
    expect(t.store.listMessages(trash.id).map((row) => row.uid)).toEqual([1, 2]);
    expect(t.store.expungedSince(inbox.id, modSeqBefore)).toEqual([1, 3]);
    expect(changes.map((change) => change.kind)).toEqual(['append', 'expunge']);
  });

  it('refuses a missing destination without changing the source', () => {
    expect(() => t.store.moveMessages(inbox.id, uids(1), asMailboxId(424242))).toThrow(StoreError);
    expect(t.store.listMessages(inbox.id)).toHaveLength(5);
  });
});

describe('expunge', () => {
  it('removes only \\Deleted messages, among the given UIDs for UID EXPUNGE, and never reuses their UIDs', () => {
    t.store.storeFlags(inbox.id, uids(2, 3, 5), 'add', ['\\Deleted']);
    const modSeq = t.store.getMailbox(annv, 'INBOX')!.highestModSeq;
    expect(t.store.expunge(inbox.id, uids(3, 4, 5))).toEqual([3, 5]);
    expect(t.store.listMessages(inbox.id).map((row) => row.uid)).toEqual([1, 2, 4]);
    expect(t.store.expunge(inbox.id)).toEqual([2]);
    expect(t.store.expunge(inbox.id)).toEqual([]);
    expect(t.store.expungedSince(inbox.id, modSeq)).toEqual([2, 3, 5]);
    const appended = t.store.append(inbox.id, message());
    expect(appended.uid).toBe(6);
    expect(t.store.mailboxCounts(inbox.id)).toMatchObject({ messages: 3, deleted: 0 });
  });

  it('leaves the body until purgeUnreferencedBlobs, and keeps bodies still referenced elsewhere', () => {
    const trash = t.store.getMailbox(annv, 'Trash')!;
    t.store.copyMessages(inbox.id, uids(1), trash.id);
    t.store.storeFlags(inbox.id, uids(1, 2), 'add', ['\\Deleted']);
    const blob2 = t.store.listMessages(inbox.id)[1]!.blobId;
    t.store.expunge(inbox.id);
    expect(t.store.readBlob(blob2).length).toBeGreaterThan(0);
    expect(t.store.purgeUnreferencedBlobs()).toBe(1);
    expect(() => t.store.readBlob(blob2)).toThrow(StoreError);
    expect(t.store.readBlob(t.store.listMessages(trash.id)[0]!.blobId).length).toBeGreaterThan(0);
  });
});

describe('mailboxCounts', () => {
  it('counts messages, recent, unseen, deleted and size', () => {
    t.store.storeFlags(inbox.id, uids(1, 2), 'add', ['\\Seen']);
    t.store.storeFlags(inbox.id, uids(2), 'add', ['\\Deleted']);
    const size = t.store.listMessages(inbox.id).reduce((sum, row) => sum + row.size, 0);
    expect(t.store.mailboxCounts(inbox.id)).toEqual({ messages: 5, recent: 5, unseen: 3, deleted: 1, size });
  });
});

describe('append', () => {
  it('appends with flags and internal date, answers UIDVALIDITY and UID, refuses a missing mailbox', () => {
    const result = t.store.append(inbox.id, message(), { flags: ['\\Draft', '\\Seen'], internalDate: new Date('2026-01-02T03:04:05Z') });
    expect(result).toEqual({ mailbox: inbox.id, uidValidity: inbox.uidValidity, uid: 6 });
    const row = t.store.listMessages(inbox.id).at(-1)!;
    expect(row.flags).toEqual(['\\Seen', '\\Draft']);
    expect(row.internalDate.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(() => t.store.append(asMailboxId(424242), message())).toThrow(StoreError);
    expect(() => t.store.append(inbox.id, message(), { internalDate: new Date('nonsense') })).toThrow(StoreError);
  });

  it('CONDSTORE: changedSince lists new and changed messages only', () => {
    const since = t.store.getMailbox(annv, 'INBOX')!.highestModSeq;
    t.store.storeFlags(inbox.id, uids(2), 'add', ['\\Answered']);
    t.store.append(inbox.id, message());
    expect(t.store.listMessages(inbox.id, { changedSince: since }).map((row) => row.uid)).toEqual([2, 6]);
    expect(t.store.listMessages(inbox.id, { changedSince: t.store.getMailbox(annv, 'INBOX')!.highestModSeq })).toEqual([]);
  });
});
