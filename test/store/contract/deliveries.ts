import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError, asAccountId, asUid, type DeliveryTarget, type MailboxChange } from '../../../src/store/types.js';
import { annv, bigMessage, daott, message } from './samples.js';
import type { OpenBackend, StoreBackend } from './backend.js';

/** Deliveries (DESIGN.md "Durability"): one body linked into many mailboxes, UIDs and MODSEQ, Junk, \Recent, events, message bytes in pieces, usage, meta. */
export function describeDeliveryContract(open: OpenBackend): void {
  let t: StoreBackend;
  beforeEach(async () => {
    t = await open();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  describe('deliver', () => {
    it('links a message to 500 recipients into 500 INBOXes as one body', async () => {
      const targets: DeliveryTarget[] = Array.from({ length: 500 }, (_, i) => ({
        account: asAccountId(`canbo${i}@cantho.gov.vn`),
        folder: 'INBOX',
      }));
      const raw = message({ subject: 'Thông báo nghỉ Tết' });
      const result = await t.store.deliver(targets, raw);
      expect(result.delivered).toHaveLength(500);
      const inbox = (await t.store.getMailbox(asAccountId('canbo499@cantho.gov.vn'), 'INBOX'))!;
      const [row] = await t.store.listMessages(inbox.id);
      expect(row).toMatchObject({ uid: 1, size: raw.length, blobId: result.blobId });
      expect((await t.store.readBlob(result.blobId)).equals(raw)).toBe(true);
      expect(await t.store.accountUsage(asAccountId('canbo7@cantho.gov.vn'))).toBe(raw.length);
    });

    it('gives strictly ascending UIDs and a growing MODSEQ, with UIDNEXT and HIGHESTMODSEQ following', async () => {
      let lastUid = 0;
      let lastModSeq = (await t.store.getMailbox(annv, 'INBOX'))?.highestModSeq ?? 0;
      for (let i = 0; i < 20; i++) {
        const [delivered] = (await t.store.deliver([{ account: annv, folder: 'INBOX' }], message({ id: `m${i}` }))).delivered;
        expect(delivered!.uid).toBeGreaterThan(lastUid);
        lastUid = delivered!.uid;
        const inbox = (await t.store.getMailbox(annv, 'INBOX'))!;
        expect(inbox.highestModSeq).toBeGreaterThan(lastModSeq);
        lastModSeq = inbox.highestModSeq;
        expect(inbox.uidNext).toBe(lastUid + 1);
      }
      const rows = await t.store.listMessages((await t.store.getMailbox(annv, 'INBOX'))!.id);
      expect(rows.map((row) => row.uid)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      for (let i = 1; i < rows.length; i++) expect(rows[i]!.modSeq).toBeGreaterThan(rows[i - 1]!.modSeq);
    });

    it('delivers to Junk (the \\Junk mailbox, even renamed), marks messages recent, keeps internal date and flags', async () => {
      await t.store.ensureAccount(annv);
      await t.store.renameMailbox(annv, 'Junk', 'Thư rác');
      const internalDate = new Date('2026-11-28T01:02:03Z');
      const result = await t.store.deliver([{ account: annv, folder: 'Junk' }], message(), { internalDate, flags: ['$Junk'] });
      const junk = (await t.store.getMailbox(annv, 'Thư rác'))!;
      expect(result.delivered).toEqual([{ account: annv, mailbox: junk.id, uid: 1 }]);
      const [row] = await t.store.listMessages(junk.id);
      expect(row!.internalDate.toISOString()).toBe('2026-11-28T01:02:03.000Z');
      expect(row!.flags).toEqual(['$Junk']);
      expect(await t.store.mailboxCounts(junk.id)).toEqual({ messages: 1, recent: 1, unseen: 1, deleted: 0, size: row!.size });
      expect(await t.store.recentUids(junk.id)).toEqual([1]);
      expect(await t.store.recentUids(junk.id)).toEqual([1]);
      expect(await t.store.claimRecent(junk.id)).toEqual([1]);
      expect(await t.store.claimRecent(junk.id)).toEqual([]);
      expect(await t.store.recentUids(junk.id)).toEqual([]);
      expect((await t.store.mailboxCounts(junk.id)).recent).toBe(0);
    });

    it('re-creates a deleted Junk folder (and only that) rather than dropping spam into INBOX', async () => {
      await t.store.ensureAccount(annv);
      await t.store.deleteMailbox(annv, 'Junk');
      await t.store.deleteMailbox(annv, 'Archive');
      const { delivered } = await t.store.deliver([{ account: annv, folder: 'Junk' }], message());
      const junk = (await t.store.getMailbox(annv, 'Junk'))!;
      expect(junk.specialUse).toBe('\\Junk');
      expect(delivered[0]!.mailbox).toBe(junk.id);
      expect(await t.store.listMessages((await t.store.getMailbox(annv, 'INBOX'))!.id)).toEqual([]);
      expect(await t.store.getMailbox(annv, 'Archive')).toBeNull();
    });

    it('files into a named folder (RFC 5228 fileinto), making it and its parents only with :create (RFC 5490 §3.2), else into INBOX', async () => {
      await t.store.ensureAccount(annv);
      const made = await t.store.deliver([{ account: annv, folder: { name: 'Dự án/2026', create: true } }], message());
      const folder = (await t.store.getMailbox(annv, 'Dự án/2026'))!;
      expect(made.delivered).toEqual([{ account: annv, mailbox: folder.id, uid: 1 }]);
      expect(await t.store.getMailbox(annv, 'Dự án')).not.toBeNull();
      expect(await t.store.listSubscriptions(annv)).toContain('Dự án/2026');
      const again = await t.store.deliver([{ account: annv, folder: { name: 'Dự án/2026', create: false } }], message());
      expect(again.delivered).toEqual([{ account: annv, mailbox: folder.id, uid: 2 }]);
      const missing = await t.store.deliver([{ account: annv, folder: { name: 'Không có', create: false } }], message());
      expect(missing.delivered[0]!.mailbox).toBe((await t.store.getMailbox(annv, 'INBOX'))!.id);
      expect(await t.store.getMailbox(annv, 'Không có')).toBeNull();
    });

    it('runs the inTransaction hook once before the delivery resolves; a hook that throws keeps nothing', async () => {
      let calls = 0;
      const { delivered } = await t.store.deliver([{ account: annv, folder: 'INBOX' }], message(), { inTransaction: () => void calls++ });
      expect(calls).toBe(1);
      const inbox = delivered[0]!.mailbox;
      const refused = t.store.deliver([{ account: annv, folder: 'INBOX' }], message({ subject: 'Không lưu' }), {
        inTransaction: () => {
          throw new Error('the notice could not be recorded');
        },
      });
      await expect(refused).rejects.toThrow('the notice could not be recorded');
      expect((await t.store.listMessages(inbox)).map((row) => row.uid)).toEqual([1]);
    });

    it('delivers one copy per recipient even when the envelope names one twice', async () => {
      const result = await t.store.deliver(
        [
          { account: annv, folder: 'INBOX' },
          { account: annv, folder: 'INBOX' },
          { account: daott, folder: 'INBOX' },
        ],
        message(),
      );
      expect(result.delivered.map((d) => d.account)).toEqual([annv, daott]);
    });

    it('emits an append event naming the account, the mailbox and the new UID', async () => {
      const changes: MailboxChange[] = [];
      t.store.events.on('change', (change) => changes.push(change));
      const { delivered } = await t.store.deliver([{ account: annv, folder: 'INBOX' }], message());
      expect(changes.filter((change) => change.kind === 'append')).toEqual([
        expect.objectContaining({ kind: 'append', account: annv, mailbox: delivered[0]!.mailbox, uids: [1] }),
      ]);
    });

    it('refuses an empty recipient list and unknown folders, and creates nothing', async () => {
      await expect(t.store.deliver([], message())).rejects.toBeInstanceOf(StoreError);
      await expect(t.store.deliver([{ account: annv, folder: 'Sent' as 'INBOX' }], message())).rejects.toMatchObject({
        code: 'nonexistent',
      });
      expect(await t.store.listMailboxes(annv)).toEqual([]);
    });
  });

  describe('message bytes in pieces', () => {
    it('stores a message given in pieces as their concatenation, the same body as the whole (MessageBytes)', async () => {
      const raw = bigMessage();
      // Fields on top, then the body cut at places no backend would choose.
      const pieces = [Buffer.from('X-Added: yes\r\n'), raw.subarray(0, 1000), raw.subarray(1000, 300_007), raw.subarray(300_007)];
      const whole = Buffer.concat(pieces);
      const { blobId } = await t.store.deliver([{ account: annv, folder: 'INBOX' }], pieces);
      const fromWhole = await t.store.deliver([{ account: annv, folder: 'Junk' }], whole);
      // The same bytes, so the same body: the hash runs over the pieces.
      expect(fromWhole.blobId).toBe(blobId);
      expect((await t.store.readBlob(blobId)).equals(whole)).toBe(true);
      expect((await t.store.readBlob(blobId, 5, 20)).equals(whole.subarray(5, 20))).toBe(true);
      const inbox = (await t.store.getMailbox(annv, 'INBOX'))!;
      expect((await t.store.listMessages(inbox.id)).at(-1)?.size).toBe(whole.length);
    });

    it('stores a message from ranges of a file, beside pieces in memory, as their concatenation (FileRange)', async () => {
      const raw = bigMessage();
      const dir = mkdtempSync(path.join(tmpdir(), 'blob-file-'));
      try {
        const file = path.join(dir, 'spooled.eml');
        // The file holds junk around the message: only the ranges given are stored.
        writeFileSync(file, Buffer.concat([Buffer.from('junk'), raw, Buffer.from('junk')]));
        const prefix = Buffer.from('Received: from outside\r\n');
        const pieces = [prefix, { file, start: 4, end: 4 + 300_011 }, { file, start: 4 + 300_011, end: 4 + raw.length }];
        const whole = Buffer.concat([prefix, raw]);
        const { blobId } = await t.store.deliver([{ account: annv, folder: 'INBOX' }], pieces);
        expect(blobId).toBe((await t.store.deliver([{ account: annv, folder: 'Junk' }], whole)).blobId);
        expect((await t.store.readBlob(blobId)).equals(whole)).toBe(true);
        const [appended] = await t.store.appendMessages((await t.store.getMailbox(annv, 'Archive'))!.id, [{ raw: [{ file, start: 4, end: 4 + raw.length }] }]);
        const archived = (await t.store.listMessages(appended!.mailbox)).at(-1)!;
        expect((await t.store.readBlob(archived.blobId)).equals(raw)).toBe(true);
        // A range past the end of its file is an error, and nothing is stored.
        const before = (await t.store.listMessages(appended!.mailbox)).length;
        await expect(t.store.appendMessages(appended!.mailbox, [{ raw: [{ file, start: 0, end: raw.length + 100 }] }])).rejects.toThrow(StoreError);
        expect(await t.store.listMessages(appended!.mailbox)).toHaveLength(before);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('accountUsage', () => {
    it('is the sum of the sizes of everything the account holds', async () => {
      const a = message({ body: 'a'.repeat(1000) });
      const b = message({ body: 'b'.repeat(2000) });
      await t.store.deliver([{ account: annv, folder: 'INBOX' }], a);
      await t.store.deliver([{ account: annv, folder: 'Junk' }], b);
      const inbox = (await t.store.getMailbox(annv, 'INBOX'))!;
      const archive = (await t.store.getMailbox(annv, 'Archive'))!;
      await t.store.copyMessages(inbox.id, [asUid(1)], archive.id);
      expect(await t.store.accountUsage(annv)).toBe(2 * a.length + b.length);
      await t.store.storeFlags(inbox.id, [asUid(1)], 'add', ['\\Deleted']);
      await t.store.expunge(inbox.id);
      expect(await t.store.accountUsage(annv)).toBe(a.length + b.length);
      expect(await t.store.accountUsage(daott)).toBe(0);
    });
  });

  describe('message meta', () => {
    it('returns the ENVELOPE, BODYSTRUCTURE and header size stored at delivery, for existing UIDs only', async () => {
      const raw = message({ subject: 'Họp giao ban', id: 'hop-1' });
      await t.store.deliver([{ account: annv, folder: 'INBOX' }], raw);
      const inbox = (await t.store.getMailbox(annv, 'INBOX'))!;
      const meta = await t.store.getMessageMeta(inbox.id, [asUid(1), asUid(2)]);
      expect(meta).toHaveLength(1);
      const [first] = meta;
      expect(first!.uid).toBe(1);
      expect(first!.envelope.messageId).toBe('<hop-1@cantho.gov.vn>');
      expect(first!.envelope.from?.[0]).toMatchObject({ mailbox: 'daott', host: 'cantho.gov.vn' });
      expect(first!.structure).toMatchObject({ type: 'text', subtype: 'plain' });
      const headerEnd = raw.indexOf('\r\n\r\n') + 4;
      expect(first!.headerSize).toBe(headerEnd);
      expect(first!.structure.bodyStart).toBe(headerEnd);
    });
  });
}
