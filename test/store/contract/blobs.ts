import { createHash } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../../src/store/index.js';
import { StoreError, type BlobId } from '../../../src/store/types.js';
import { bigMessage, message } from './samples.js';

/** One BlobStore of the backend under test, empty; cleanup closes and removes it. */
export interface BlobBackend {
  readonly blobs: BlobStore;
  cleanup(): Promise<void>;
}

const digest = (bytes: Buffer): BlobId => createHash('sha256').update(bytes).digest('hex') as BlobId;

/** BlobStore: bodies by SHA-256, stored once, read whole, in ranges and as streams, deleted when told. */
export function describeBlobStoreContract(name: string, open: () => Promise<BlobBackend>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let t: BlobBackend;
    beforeEach(async () => {
      t = await open();
    });
    afterEach(async () => {
      await t.cleanup();
    });

    it('stores a body once under its digest: a second put of the same bytes is no new body', async () => {
      const raw = message({ id: 'once' });
      expect(await t.blobs.has(digest(raw))).toBe(false);
      expect(await t.blobs.put(digest(raw), raw)).toBe(true);
      expect(await t.blobs.put(digest(raw), Buffer.from(raw))).toBe(false);
      expect(await t.blobs.has(digest(raw))).toBe(true);
      expect((await t.blobs.get(digest(raw))).equals(raw)).toBe(true);
    });

    it('stores pieces as their concatenation, under the digest of the whole', async () => {
      const raw = bigMessage();
      const pieces = [raw.subarray(0, 10), raw.subarray(10, 300_000), raw.subarray(300_000)];
      expect(await t.blobs.put(digest(raw), pieces)).toBe(true);
      expect((await t.blobs.get(digest(raw))).equals(raw)).toBe(true);
    });

    it('refuses bytes that do not hash to the digest given, and stores nothing', async () => {
      const raw = message({ id: 'wrong' });
      const other = digest(Buffer.from('something else'));
      await expect(t.blobs.put(other, raw)).rejects.toMatchObject({ code: 'cannot' });
      expect(await t.blobs.has(other)).toBe(false);
    });

    it('reads any byte range, clamped to the body', async () => {
      const raw = bigMessage();
      await t.blobs.put(digest(raw), raw);
      const ranges: Array<[number, number]> = [
        [0, 10],
        [262_139, 262_149],
        [100, raw.length],
        [raw.length - 3, raw.length + 100],
        [raw.length + 5, raw.length + 10],
        [7, 7],
      ];
      for (const [start, end] of ranges) expect((await t.blobs.get(digest(raw), start, end)).equals(raw.subarray(start, end))).toBe(true);
      expect((await t.blobs.get(digest(raw), 100)).equals(raw.subarray(100))).toBe(true);
    });

    it('streams a whole body', async () => {
      const raw = bigMessage();
      await t.blobs.put(digest(raw), raw);
      const chunks: Buffer[] = [];
      for await (const chunk of await t.blobs.stream(digest(raw))) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(raw)).toBe(true);
      expect(await text(await t.blobs.stream(digest(raw)))).toBe(raw.toString('utf8'));
    });

    it('answers an unknown body with StoreError nonexistent', async () => {
      const unknown = '0'.repeat(64) as BlobId;
      await expect(t.blobs.get(unknown)).rejects.toBeInstanceOf(StoreError);
      await expect(t.blobs.get(unknown)).rejects.toMatchObject({ code: 'nonexistent' });
      await expect(t.blobs.stream(unknown)).rejects.toMatchObject({ code: 'nonexistent' });
    });

    it('deletes a body, once', async () => {
      const raw = message({ id: 'gone' });
      await t.blobs.put(digest(raw), raw);
      expect(await t.blobs.delete(digest(raw))).toBe(true);
      expect(await t.blobs.has(digest(raw))).toBe(false);
      expect(await t.blobs.delete(digest(raw))).toBe(false);
      await expect(t.blobs.get(digest(raw))).rejects.toMatchObject({ code: 'nonexistent' });
    });
  });
}
