import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHUNK_SIZE } from '../../src/store/blobs.js';
import { StoreError, asUid, type BlobId } from '../../src/store/types.js';
import { annv, message, openTestStore, type TestStore } from './helpers.js';

let t: TestStore;
beforeEach(() => {
  t = openTestStore();
});
afterEach(async () => {
  await t.cleanup();
});

/** A message of about 2.5 chunks whose byte at offset i is predictable from the body pattern. */
function bigMessage(): Buffer {
  const line = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef\r\n';
  return message({ subject: 'Tệp lớn', body: line.repeat(Math.ceil((CHUNK_SIZE * 2.5) / line.length)) });
}

describe('blobs', () => {
  it('stores a message given in pieces as their concatenation, chunked across the pieces (MessageBytes)', async () => {
    const raw = bigMessage();
    // Fields on top, then the body cut at places that do not line up with the chunks.
    const pieces = [Buffer.from('X-Added: yes\r\n'), raw.subarray(0, 1000), raw.subarray(1000, CHUNK_SIZE + 7), raw.subarray(CHUNK_SIZE + 7)];
    const whole = Buffer.concat(pieces);
    const { blobId } = await t.store.deliver([{ account: annv, folder: 'INBOX' }], pieces);
    const fromWhole = await t.store.deliver([{ account: annv, folder: 'Junk' }], whole);
    // The same bytes, so the same blob: the hash runs over the pieces.
    expect(fromWhole.blobId).toBe(blobId);
    expect((await t.store.readBlob(blobId)).equals(whole)).toBe(true);
    for (const [start, end] of [[CHUNK_SIZE - 3, CHUNK_SIZE + 3], [2 * CHUNK_SIZE - 1, 2 * CHUNK_SIZE + 1], [5, 20]] as const) {
      expect((await t.store.readBlob(blobId, start, end)).equals(whole.subarray(start, end))).toBe(true);
    }
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
      const pieces = [prefix, { file, start: 4, end: 4 + CHUNK_SIZE + 11 }, { file, start: 4 + CHUNK_SIZE + 11, end: 4 + raw.length }];
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

  it('reads any byte range of a body that spans several chunks', async () => {
    const raw = bigMessage();
    const { blobId } = await t.store.deliver([{ account: annv, folder: 'INBOX' }], raw);
    expect((await t.store.readBlob(blobId)).equals(raw)).toBe(true);
    const ranges: Array<[number, number]> = [
      [0, 10],
      [CHUNK_SIZE - 5, CHUNK_SIZE + 5],
      [CHUNK_SIZE, 2 * CHUNK_SIZE],
      [10, raw.length],
      [raw.length - 3, raw.length + 100],
      [raw.length + 5, raw.length + 10],
      [7, 7],
    ];
    for (const [start, end] of ranges) {
      expect((await t.store.readBlob(blobId, start, end)).equals(raw.subarray(start, end))).toBe(true);
    }
    expect((await t.store.readBlob(blobId, 100)).equals(raw.subarray(100))).toBe(true);
  });

  it('streams a body chunk by chunk', async () => {
    const raw = bigMessage();
    const { blobId } = await t.store.deliver([{ account: annv, folder: 'INBOX' }], raw);
    const chunks: Buffer[] = [];
    for await (const chunk of await t.store.streamBlob(blobId)) chunks.push(chunk as Buffer);
    expect(chunks.length).toBe(3);
    expect(Buffer.concat(chunks).equals(raw)).toBe(true);
    expect(await text(await t.store.streamBlob(blobId))).toBe(raw.toString('utf8'));
  });

  it('refuses an unknown body', async () => {
    await expect(t.store.readBlob('0'.repeat(64) as BlobId)).rejects.toThrow(StoreError);
    await expect(t.store.streamBlob('0'.repeat(64) as BlobId)).rejects.toThrow(StoreError);
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
