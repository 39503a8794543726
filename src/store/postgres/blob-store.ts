import { Readable } from 'node:stream';
import { digestOf } from '../blobs.js';
import type { BlobStore } from '../blob-store.js';
import { chunksOf, messageSize, readPieces } from '../message-bytes.js';
import { StoreError, type BlobId, type MessageBytes, type MessagePiece } from '../types.js';
import { inPgTransaction, type PgClient, type PgPool } from './database.js';
import { storeQuery } from './numbers.js';

/**
 * Bytes per `blob_chunks` row: as in SQLite (blobs.ts CHUNK_SIZE), a range read fetches only the
 * rows it overlaps and a stream holds one row at a time; 256 KiB keeps nearly every ordinary
 * message in one row, and stays far below the 1 GB limit of a `bytea` value.
 */
export const PG_CHUNK_SIZE = 256 * 1024;

/**
 * The BlobStore on PostgreSQL (docs/postgres.en.md): `blobs` (digest, size) and `blob_chunks`
 * (digest, seq, bytea). Bytes only: what a MailStore derives from a body lives in its own tables,
 * which reference `blobs`, so `delete` of a body still in use is refused by the foreign key.
 *
 * Invariants:
 * - a body is written chunk by chunk from its pieces (a spool file a chunk at a time), never
 *   joined into one buffer, inside one transaction: a reader sees all of its chunks or no body;
 * - two nodes storing the same body at once: the second INSERT of `blobs` waits for the first
 *   transaction and then does nothing (ON CONFLICT), so the chunks are written once.
 */
export class PgBlobStore implements BlobStore {
  constructor(private readonly pool: PgPool) {}

  async put(digest: BlobId, bytes: MessageBytes): Promise<boolean> {
    const pieces: readonly MessagePiece[] = Buffer.isBuffer(bytes) ? [bytes] : bytes;
    if (digestOf(pieces) !== digest) throw new StoreError('cannot', `the bytes do not hash to ${digest}`);
    if (await this.has(digest)) return false;
    return inPgTransaction(this.pool, (client) => this.storeIn(client, digest, pieces));
  }

  async get(digest: BlobId, start = 0, end?: number): Promise<Buffer> {
    const size = await this.sizeOf(digest);
    const to = Math.min(end ?? size, size);
    const from = Math.max(0, Math.min(start, to));
    if (from === to) return Buffer.alloc(0);
    const first = Math.floor(from / PG_CHUNK_SIZE);
    const last = Math.floor((to - 1) / PG_CHUNK_SIZE);
    const rows = await storeQuery<{ data: Buffer }>(
      this.pool,
      'SELECT data FROM blob_chunks WHERE digest = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq',
      [digest, first, last],
    );
    if (rows.length !== last - first + 1) throw new StoreError('nonexistent', `body ${digest} was removed while being read`);
    const joined = rows.length === 1 ? rows[0]!.data : Buffer.concat(rows.map((row) => row.data));
    return joined.subarray(from - first * PG_CHUNK_SIZE, to - first * PG_CHUNK_SIZE);
  }

  async stream(digest: BlobId): Promise<Readable> {
    const chunkCount = Math.ceil((await this.sizeOf(digest)) / PG_CHUNK_SIZE);
    const pool = this.pool;
    // One chunk fetched per pull, so a 25 MB body is never held whole.
    return Readable.from(
      (async function* chunks() {
        for (let seq = 0; seq < chunkCount; seq++) {
          const [row] = await storeQuery<{ data: Buffer }>(pool, 'SELECT data FROM blob_chunks WHERE digest = $1 AND seq = $2', [digest, seq]);
          if (row === undefined) throw new StoreError('nonexistent', `body ${digest} was removed while being read`);
          yield row.data;
        }
      })(),
      { objectMode: false },
    );
  }

  async has(digest: BlobId): Promise<boolean> {
    return (await storeQuery(this.pool, 'SELECT 1 FROM blobs WHERE digest = $1', [digest])).length > 0;
  }

  async delete(digest: BlobId): Promise<boolean> {
    try {
      return (await storeQuery(this.pool, 'DELETE FROM blobs WHERE digest = $1 RETURNING 1', [digest])).length > 0;
    } catch (error) {
      // 23503 foreign_key_violation: a MailStore's body row still names it.
      if ((error as { code?: string }).code === '23503') throw new StoreError('cannot', `body ${digest} is still referenced`);
      throw error;
    }
  }

  /**
   * Inside the caller's transaction: stores the body unless it is there; resolves to whether it
   * was new. The PgMailStore stores through this, so a body commits with the rows naming it.
   */
  async storeIn(client: PgClient, digest: BlobId, pieces: readonly MessagePiece[]): Promise<boolean> {
    const inserted = await storeQuery(client, 'INSERT INTO blobs (digest, size) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING RETURNING 1', [
      digest,
      messageSize(pieces),
    ]);
    if (inserted.length === 0) return false;
    let seq = 0;
    for (const chunk of chunksOf(readPieces(pieces), PG_CHUNK_SIZE)) {
      await storeQuery(client, 'INSERT INTO blob_chunks (digest, seq, data) VALUES ($1, $2, $3)', [digest, seq++, chunk]);
    }
    return true;
  }

  private async sizeOf(digest: BlobId): Promise<number> {
    const [row] = await storeQuery<{ size: number }>(this.pool, 'SELECT size FROM blobs WHERE digest = $1', [digest]);
    if (row === undefined) throw new StoreError('nonexistent', `no stored message body ${digest}`);
    return row.size;
  }
}
