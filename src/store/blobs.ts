import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Statement } from 'better-sqlite3';
import { analyzeMessage } from '../mime/index.js';
import type { BlobStore } from './blob-store.js';
import type { Db } from './database.js';
import { chunksOf, messageSize, readPieces, wholeMessage } from './message-bytes.js';
import { StoreError, type BlobId, type MessageAnalysis, type MessageBytes, type MessagePiece } from './types.js';

/**
 * Bodies are kept in SQLite (one file to back up, commits atomic with the message rows) in
 * chunks of CHUNK_SIZE bytes. SQLite reads a BLOB value whole, so one 25 MB value would make
 * BODY[HEADER] or BODY[1] of a big message read 25 MB; with chunks a partial read touches only
 * the chunks it overlaps, and streaming a big body holds one chunk in memory at a time. 256 KiB
 * keeps nearly every ordinary message in a single row (one read, no concatenation).
 */
export const CHUNK_SIZE = 256 * 1024;

interface BlobRow {
  id: number;
  size: number;
}

/**
 * The BlobStore on the store's SQLite database. A `blobs` row also keeps the body's ENVELOPE,
 * BODYSTRUCTURE and header size (read with the message rows in one query); the SQLite MailStore
 * stores through storeNow inside its own transactions, and indexes new bodies for SEARCH itself.
 */
export class SqliteBlobStore implements BlobStore {
  private readonly selectBlob: Statement<[string], BlobRow>;
  private readonly insertBlob: Statement<[string, number, number, string, string], { id: number }>;
  private readonly insertChunk: Statement<[number, number, Buffer]>;
  private readonly selectChunks: Statement<[number, number, number], { data: Buffer }>;
  private readonly selectChunk: Statement<[number, number], { data: Buffer }>;
  private readonly deleteUnreferenced: Statement<[]>;
  private readonly deleteBlob: Statement<[string]>;

  constructor(private readonly db: Db) {
    this.selectBlob = db.prepare('SELECT id, size FROM blobs WHERE sha256 = ?');
    this.insertBlob = db.prepare(
      'INSERT INTO blobs (sha256, size, header_size, envelope, structure) VALUES (?, ?, ?, ?, ?) RETURNING id',
    );
    this.insertChunk = db.prepare('INSERT INTO blob_chunks (blob, seq, data) VALUES (?, ?, ?)');
    this.selectChunks = db.prepare('SELECT data FROM blob_chunks WHERE blob = ? AND seq BETWEEN ? AND ? ORDER BY seq');
    this.selectChunk = db.prepare('SELECT data FROM blob_chunks WHERE blob = ? AND seq = ?');
    this.deleteUnreferenced = db.prepare('DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM messages WHERE messages.blob = blobs.id)');
    this.deleteBlob = db.prepare('DELETE FROM blobs WHERE sha256 = ?');
  }

  // --- BlobStore ---------------------------------------------------------------------------

  async put(digest: BlobId, bytes: MessageBytes): Promise<boolean> {
    const pieces: readonly MessagePiece[] = Buffer.isBuffer(bytes) ? [bytes] : bytes;
    if (digestOf(pieces) !== digest) throw new StoreError('cannot', `the bytes do not hash to ${digest}`);
    if (this.selectBlob.get(digest) !== undefined) return false;
    // A body stored on its own still gets the meta its row holds (the search index backfills it at the next start).
    const stored = this.db.transaction(() => this.storeNow(digest, pieces, messageSize(pieces), analyzeMessage(wholeMessage(pieces)))).immediate();
    return stored.created;
  }

  async get(digest: BlobId, start?: number, end?: number): Promise<Buffer> {
    return this.read(digest, start, end);
  }

  async stream(digest: BlobId): Promise<Readable> {
    return this.streamNow(digest);
  }

  async has(digest: BlobId): Promise<boolean> {
    return this.selectBlob.get(digest) !== undefined;
  }

  async delete(digest: BlobId): Promise<boolean> {
    try {
      return this.deleteBlob.run(digest).changes > 0;
    } catch (err) {
      // The messages table's foreign key: a body some message still holds stays.
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new StoreError('cannot', `body ${digest} is still referenced`);
      throw err;
    }
  }

  // --- synchronous, for the SQLite MailStore and readers on the same file ------------------

  /**
   * The blob's row id, storing bytes and meta only if this body is new (`created`). Runs inside
   * the caller's transaction, so a body is never visible without the rows that reference it.
   */
  storeNow(sha256: BlobId, pieces: readonly MessagePiece[], size: number, analysis: MessageAnalysis): { readonly id: number; readonly created: boolean } {
    const existing = this.selectBlob.get(sha256);
    if (existing !== undefined) return { id: existing.id, created: false };
    const { id } = this.insertBlob.get(
      sha256,
      size,
      analysis.headerSize,
      JSON.stringify(analysis.envelope),
      JSON.stringify(analysis.structure),
    )!;
    let seq = 0;
    for (const chunk of chunksOf(readPieces(pieces), CHUNK_SIZE)) this.insertChunk.run(id, seq++, chunk);
    return { id, created: true };
  }

  /** Bytes [start, end) of the blob, clamped to its size. */
  read(sha256: BlobId, start = 0, end?: number): Buffer {
    const blob = this.find(sha256);
    const to = Math.min(end ?? blob.size, blob.size);
    const from = Math.max(0, Math.min(start, to));
    if (from === to) return Buffer.alloc(0);
    const first = Math.floor(from / CHUNK_SIZE);
    const last = Math.floor((to - 1) / CHUNK_SIZE);
    const chunks = this.selectChunks.all(blob.id, first, last).map((row) => row.data);
    const joined = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    return joined.subarray(from - first * CHUNK_SIZE, to - first * CHUNK_SIZE);
  }

  /** The whole body of a blob row, by its row id (the search index's backfill reads them so). */
  readRow(id: number): Buffer {
    return Buffer.concat(this.selectChunks.all(id, 0, Number.MAX_SAFE_INTEGER).map((row) => row.data));
  }

  /** Deletes bodies no message row points at (their chunks and index rows go with them). */
  purgeUnreferenced(): number {
    return this.deleteUnreferenced.run().changes;
  }

  /** The whole blob, one chunk read per pull, so a 25 MB body is never held twice. */
  private streamNow(sha256: BlobId): Readable {
    const blob = this.find(sha256);
    const chunkCount = Math.ceil(blob.size / CHUNK_SIZE);
    const selectChunk = this.selectChunk;
    return Readable.from(
      (function* chunks() {
        for (let seq = 0; seq < chunkCount; seq++) {
          const row = selectChunk.get(blob.id, seq);
          // The blob was purged while being streamed: end early rather than send a short body silently.
          if (row === undefined) throw new StoreError('nonexistent', `blob ${sha256} was removed while being read`);
          yield row.data;
        }
      })(),
      { objectMode: false },
    );
  }

  private find(sha256: BlobId): BlobRow {
    const blob = this.selectBlob.get(sha256);
    if (blob === undefined) throw new StoreError('nonexistent', `no stored message body ${sha256}`);
    return blob;
  }
}

/** SHA-256 (hex) of the concatenation of `pieces`, read a piece at a time: a body's BlobId. */
export function digestOf(pieces: readonly MessagePiece[]): string {
  const hash = createHash('sha256');
  for (const piece of readPieces(pieces)) hash.update(piece);
  return hash.digest('hex');
}
