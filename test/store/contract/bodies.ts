import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError, type BlobId } from '../../../src/store/types.js';
import { annv, bigMessage } from './samples.js';
import type { OpenBackend, StoreBackend } from './backend.js';

/** Message bodies through the MailStore (FETCH BODY[]<partial>, RFC 9051 §6.4.5): whole, in ranges, as a stream. */
export function describeBodyContract(open: OpenBackend): void {
  let t: StoreBackend;
  beforeEach(async () => {
    t = await open();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  describe('bodies', () => {
    it('reads any byte range of a large body, clamped to the body', async () => {
      const raw = bigMessage();
      const { blobId } = await t.store.deliver([{ account: annv, folder: 'INBOX' }], raw);
      expect((await t.store.readBlob(blobId)).equals(raw)).toBe(true);
      const ranges: Array<[number, number]> = [
        [0, 10],
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

    it('streams a whole body', async () => {
      const raw = bigMessage();
      const { blobId } = await t.store.deliver([{ account: annv, folder: 'INBOX' }], raw);
      const chunks: Buffer[] = [];
      for await (const chunk of await t.store.streamBlob(blobId)) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(raw)).toBe(true);
      expect(await text(await t.store.streamBlob(blobId))).toBe(raw.toString('utf8'));
    });

    it('refuses an unknown body', async () => {
      await expect(t.store.readBlob('0'.repeat(64) as BlobId)).rejects.toThrow(StoreError);
      await expect(t.store.streamBlob('0'.repeat(64) as BlobId)).rejects.toThrow(StoreError);
    });
  });
}
