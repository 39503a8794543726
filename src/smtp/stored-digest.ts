import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FileRange } from '../store/index.js';
import { defineTask } from '../workers/index.js';

/**
 * The SHA-256 the store files a message under (src/store single-instance blobs), of a stored copy
 * whose body is still in its spool file (FileRange pieces, src/limits): hashed on a worker thread,
 * reading the file a chunk at a time, so that the event loop neither reads nor hashes 25 MB. The
 * store then reads the file only as it writes the blob.
 */
export const DIGEST_STORED = defineTask<ReadonlyArray<Uint8Array | FileRange>, string>(new URL(import.meta.url), 'digestStoredTask');

export async function digestStoredTask(pieces: ReadonlyArray<Uint8Array | FileRange>): Promise<string> {
  const hash = createHash('sha256');
  for (const piece of pieces) {
    if (piece instanceof Uint8Array) {
      hash.update(piece);
      continue;
    }
    // createReadStream's `end` is inclusive; an empty range reads nothing.
    if (piece.end === piece.start) continue;
    for await (const chunk of createReadStream(piece.file, { start: piece.start, end: piece.end - 1 })) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}
