import { createHash } from 'node:crypto';
import { defineTask } from '../workers/index.js';
import { streamPieces, type CrossingPieces } from './message-pieces.js';

/**
 * The SHA-256 the store files a message under (src/store single-instance blobs), of a stored copy
 * whose body is still in its spool file (FileRange pieces, src/limits): hashed on a worker thread,
 * reading the file a chunk at a time, so that the event loop neither reads nor hashes 25 MB. The
 * store then reads the file only as it writes the blob.
 */
export const DIGEST_STORED = defineTask<CrossingPieces, string>(new URL(import.meta.url), 'digestStoredTask');

export async function digestStoredTask(pieces: CrossingPieces): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of streamPieces(pieces)) hash.update(chunk);
  return hash.digest('hex');
}
