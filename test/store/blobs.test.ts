/**
 * Bodies as SQLite keeps them: in CHUNK_SIZE rows (src/store/blobs.ts), read across chunk
 * boundaries and streamed a chunk at a time. What any backend must do with bodies is in the
 * contract suite, test/store/contract/bodies.ts and deliveries.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHUNK_SIZE } from '../../src/store/blobs.js';
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

describe('blobs in chunks', () => {
  it('reads ranges across chunk boundaries, also of a body given in pieces that do not line up with the chunks', async () => {
    const raw = bigMessage();
    const pieces = [Buffer.from('X-Added: yes\r\n'), raw.subarray(0, 1000), raw.subarray(1000, CHUNK_SIZE + 7), raw.subarray(CHUNK_SIZE + 7)];
    const whole = Buffer.concat(pieces);
    const fromPieces = await t.store.deliver([{ account: annv, folder: 'INBOX' }], pieces);
    const fromWhole = await t.store.deliver([{ account: annv, folder: 'Junk' }], raw);
    const ranges: Array<[number, number]> = [
      [CHUNK_SIZE - 5, CHUNK_SIZE + 5],
      [CHUNK_SIZE, 2 * CHUNK_SIZE],
      [2 * CHUNK_SIZE - 1, 2 * CHUNK_SIZE + 1],
    ];
    for (const [start, end] of ranges) {
      expect((await t.store.readBlob(fromPieces.blobId, start, end)).equals(whole.subarray(start, end))).toBe(true);
      expect((await t.store.readBlob(fromWhole.blobId, start, end)).equals(raw.subarray(start, end))).toBe(true);
    }
  });

  it('streams a body chunk by chunk', async () => {
    const raw = bigMessage();
    const { blobId } = await t.store.deliver([{ account: annv, folder: 'INBOX' }], raw);
    const chunks: Buffer[] = [];
    for await (const chunk of await t.store.streamBlob(blobId)) chunks.push(chunk as Buffer);
    expect(chunks.length).toBe(3);
    expect(Buffer.concat(chunks).equals(raw)).toBe(true);
  });
});
