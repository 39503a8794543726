import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError, asMailboxId, asModSeq, asUid, type MailboxChange, type MailboxInfo, type Uid } from '../../../src/store/types.js';
import { annv, message } from './samples.js';
import type { OpenBackend, StoreBackend } from './backend.js';

/** Messages: APPEND, UIDs, flags and MODSEQ (CONDSTORE), COPY/MOVE, EXPUNGE and its history, counts, purge. */
export function describeMessageContract(open: OpenBackend): void {
  let t: StoreBackend;
  let inbox: MailboxInfo;
  const uids = (...n: number[]): Uid[] => n.map(asUid);

  beforeEach(async () => {
    t = await open();
    await t.store.ensureAccount(annv);
    inbox = (await t.store.getMailbox(annv, 'INBOX'))!;
    for (let i = 1; i <= 5; i++) await t.store.append(inbox.id, message({ id: `m${i}`, subject: `Thư ${i}` }));
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const flagsOf = async (mailbox = inbox) => (await t.store.listMessages(mailbox.id)).map((row) => [row.uid, row.flags]);

  describe('storeFlags', () => {
    it('sets, adds and removes flags and keywords, case-insensitively, with canonical system flag names', async () => {
      await t.store.storeFlags(inbox.id, uids(1, 2), 'add', ['\\seen', '$Label1']);
      await t.store.storeFlags(inbox.id, uids(2), 'add', ['\\SEEN', '$label1', '\\Flagged']);
      await t.store.storeFlags(inbox.id, uids(3), 'set', ['\\Answered', 'Viec']);
      await t.store.storeFlags(inbox.id, uids(1), 'remove', ['$LABEL1']);
      expect(await flagsOf()).toEqual([
        [1, ['\\Seen']],
        [2, ['\\Seen', '\\Flagged', '$Label1']],
        [3, ['\\Answered', 'Viec']],
        [4, []],
        [5, []],
      ]);
      await t.store.storeFlags(inbox.id, uids(3), 'set', []);
      expect((await flagsOf())[2]).toEqual([3, []]);
    });

    it('gives the changed rows one new MODSEQ and leaves unchanged rows alone', async () => {
      const before = await t.store.listMessages(inbox.id);
      await t.store.storeFlags(inbox.id, uids(1), 'add', ['\\Seen']);
      const highest = (await t.store.getMailbox(annv, 'INBOX'))!.highestModSeq;
      const result = await t.store.storeFlags(inbox.id, uids(1, 2, 3), 'add', ['\\Seen']);
      const after = (await t.store.getMailbox(annv, 'INBOX'))!.highestModSeq;
      expect(after).toBe(highest + 1);
      expect(result.updated.map((row) => [row.uid, row.modSeq])).toEqual([
        [2, after],
        [3, after],
      ]);
      expect(result.modified).toEqual([]);
      const rows = await t.store.listMessages(inbox.id);
      expect(rows[3]!.modSeq).toBe(before[3]!.modSeq);
      expect((await t.store.listMessages(inbox.id, { changedSince: asModSeq(highest) })).map((row) => row.uid)).toEqual([2, 3]);
      // A no-op STORE changes nothing, not even HIGHESTMODSEQ.
      expect((await t.store.storeFlags(inbox.id, uids(1, 2, 3), 'add', ['\\Seen'])).updated).toEqual([]);
      expect((await t.store.getMailbox(annv, 'INBOX'))!.highestModSeq).toBe(after);
    });

    it('UNCHANGEDSINCE: rows changed later are reported as modified and left alone (RFC 7162 §3.1.3)', async () => {
      const snapshot = (await t.store.getMailbox(annv, 'INBOX'))!.highestModSeq;
      await t.store.storeFlags(inbox.id, uids(2), 'add', ['\\Flagged']);
      const result = await t.store.storeFlags(inbox.id, uids(1, 2, 3), 'add', ['\\Seen'], snapshot);
      expect(result.modified).toEqual([2]);
      expect(result.updated.map((row) => row.uid)).toEqual([1, 3]);
      expect((await flagsOf()).slice(0, 3)).toEqual([
        [1, ['\\Seen']],
        [2, ['\\Flagged']],
        [3, ['\\Seen']],
      ]);
      // UNCHANGEDSINCE 0 always fails.
      expect((await t.store.storeFlags(inbox.id, uids(4), 'add', ['\\Seen'], asModSeq(0))).modified).toEqual([4]);
    });

    it('refuses \\Recent-like inventions and atoms with special characters, ignores \\Recent', async () => {
      await expect(t.store.storeFlags(inbox.id, uids(1), 'add', ['\\Important'])).rejects.toThrow(StoreError);
      await expect(t.store.storeFlags(inbox.id, uids(1), 'add', ['bad keyword'])).rejects.toThrow(StoreError);
      await expect(t.store.storeFlags(inbox.id, uids(1), 'add', ['a]b'])).rejects.toThrow(StoreError);
      await expect(t.store.storeFlags(inbox.id, uids(1), 'add', ['Khẩn'])).rejects.toThrow(StoreError);
      await t.store.storeFlags(inbox.id, uids(1), 'add', ['\\Recent']);
      expect((await flagsOf())[0]).toEqual([1, []]);
    });

    it('emits a flags event with the changed UIDs', async () => {
      const changes: MailboxChange[] = [];
      t.store.events.on('change', (change) => changes.push(change));
      await t.store.storeFlags(inbox.id, uids(1, 4, 99), 'add', ['\\Seen']);
      expect(changes).toEqual([
        { kind: 'flags', account: annv, mailbox: inbox.id, uids: [1, 4], modSeq: (await t.store.getMailbox(annv, 'INBOX'))!.highestModSeq },
      ]);
    });

    it('handles a STORE over 10,000 UIDs in one statement', async () => {
      const all = Array.from({ length: 10_000 }, (_, i) => asUid(i + 1));
      expect((await t.store.storeFlags(inbox.id, all, 'add', ['\\Seen'])).updated).toHaveLength(5);
    });
  });

  describe('copy and move', () => {
    it('COPY maps source UIDs to new destination UIDs in order, keeps flags, sets \\Recent, shares the body', async () => {
      const archive = (await t.store.getMailbox(annv, 'Archive'))!;
      await t.store.append(archive.id, message());
      await t.store.storeFlags(inbox.id, uids(4), 'add', ['\\Flagged', 'Urgent']);
      await t.store.claimRecent(inbox.id);
      const result = await t.store.copyMessages(inbox.id, uids(4, 2, 9), archive.id);
      expect(result).toEqual({ uidValidity: archive.uidValidity, mapping: [[2, 2], [4, 3]] });
      const rows = await t.store.listMessages(archive.id);
      expect(rows.map((row) => [row.uid, row.flags])).toEqual([
        [1, []],
        [2, []],
        [3, ['\\Flagged', 'Urgent']],
      ]);
      expect(rows[2]!.blobId).toBe((await t.store.listMessages(inbox.id))[3]!.blobId);
      expect(await t.store.claimRecent(archive.id)).toEqual([1, 2, 3]);
      expect(await t.store.listMessages(inbox.id)).toHaveLength(5);
    });

    it('MOVE copies and expunges in one step, and the source remembers the UIDs as expunged', async () => {
      const trash = (await t.store.getMailbox(annv, 'Trash'))!;
      const changes: MailboxChange[] = [];
      t.store.events.on('change', (change) => changes.push(change));
      const modSeqBefore = (await t.store.getMailbox(annv, 'INBOX'))!.highestModSeq;
      const result = await t.store.moveMessages(inbox.id, uids(1, 3), trash.id);
      expect(result.mapping).toEqual([[1, 1], [3, 2]]);
      expect((await t.store.listMessages(inbox.id)).map((row) => row.uid)).toEqual([2, 4, 5]);
      expect((await t.store.listMessages(trash.id)).map((row) => row.uid)).toEqual([1, 2]);
      expect(await t.store.expungedSince(inbox.id, modSeqBefore)).toEqual([1, 3]);
      expect(changes.map((change) => change.kind)).toEqual(['append', 'expunge']);
    });

    it('refuses a missing destination without changing the source', async () => {
      await expect(t.store.moveMessages(inbox.id, uids(1), asMailboxId(424242))).rejects.toThrow(StoreError);
      expect(await t.store.listMessages(inbox.id)).toHaveLength(5);
    });
  });

  describe('expunge', () => {
    it('removes only \\Deleted messages, among the given UIDs for UID EXPUNGE, and never reuses their UIDs', async () => {
      await t.store.storeFlags(inbox.id, uids(2, 3, 5), 'add', ['\\Deleted']);
      const modSeq = (await t.store.getMailbox(annv, 'INBOX'))!.highestModSeq;
      expect(await t.store.expunge(inbox.id, uids(3, 4, 5))).toEqual([3, 5]);
      expect((await t.store.listMessages(inbox.id)).map((row) => row.uid)).toEqual([1, 2, 4]);
      expect(await t.store.expunge(inbox.id)).toEqual([2]);
      expect(await t.store.expunge(inbox.id)).toEqual([]);
      expect(await t.store.expungedSince(inbox.id, modSeq)).toEqual([2, 3, 5]);
      const appended = await t.store.append(inbox.id, message());
      expect(appended.uid).toBe(6);
      expect(await t.store.mailboxCounts(inbox.id)).toMatchObject({ messages: 3, deleted: 0 });
    });

    it('leaves the body until purgeUnreferencedBlobs, and keeps bodies still referenced elsewhere', async () => {
      const trash = (await t.store.getMailbox(annv, 'Trash'))!;
      await t.store.copyMessages(inbox.id, uids(1), trash.id);
      await t.store.storeFlags(inbox.id, uids(1, 2), 'add', ['\\Deleted']);
      const blob2 = (await t.store.listMessages(inbox.id))[1]!.blobId;
      await t.store.expunge(inbox.id);
      expect((await t.store.readBlob(blob2)).length).toBeGreaterThan(0);
      expect(await t.store.purgeUnreferencedBlobs()).toBe(1);
      await expect(t.store.readBlob(blob2)).rejects.toThrow(StoreError);
      expect((await t.store.readBlob((await t.store.listMessages(trash.id))[0]!.blobId)).length).toBeGreaterThan(0);
    });
  });

  describe('mailboxCounts', () => {
    it('counts messages, recent, unseen, deleted and size', async () => {
      await t.store.storeFlags(inbox.id, uids(1, 2), 'add', ['\\Seen']);
      await t.store.storeFlags(inbox.id, uids(2), 'add', ['\\Deleted']);
      const size = (await t.store.listMessages(inbox.id)).reduce((sum, row) => sum + row.size, 0);
      expect(await t.store.mailboxCounts(inbox.id)).toEqual({ messages: 5, recent: 5, unseen: 3, deleted: 1, size });
    });
  });

  describe('append', () => {
    it('appends with flags and internal date, answers UIDVALIDITY and UID, refuses a missing mailbox', async () => {
      const result = await t.store.append(inbox.id, message(), { flags: ['\\Draft', '\\Seen'], internalDate: new Date('2026-01-02T03:04:05Z') });
      expect(result).toEqual({ mailbox: inbox.id, uidValidity: inbox.uidValidity, uid: 6 });
      const row = (await t.store.listMessages(inbox.id)).at(-1)!;
      expect(row.flags).toEqual(['\\Seen', '\\Draft']);
      expect(row.internalDate.toISOString()).toBe('2026-01-02T03:04:05.000Z');
      await expect(t.store.append(asMailboxId(424242), message())).rejects.toThrow(StoreError);
      await expect(t.store.append(inbox.id, message(), { internalDate: new Date('nonsense') })).rejects.toThrow(StoreError);
    });

    it('CONDSTORE: changedSince lists new and changed messages only', async () => {
      const since = (await t.store.getMailbox(annv, 'INBOX'))!.highestModSeq;
      await t.store.storeFlags(inbox.id, uids(2), 'add', ['\\Answered']);
      await t.store.append(inbox.id, message());
      expect((await t.store.listMessages(inbox.id, { changedSince: since })).map((row) => row.uid)).toEqual([2, 6]);
      expect(await t.store.listMessages(inbox.id, { changedSince: (await t.store.getMailbox(annv, 'INBOX'))!.highestModSeq })).toEqual([]);
    });
  });
}
