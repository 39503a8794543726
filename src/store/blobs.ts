import { Readable } from 'node:stream';
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import { FullTextIndex } from './fts.js';
import { chunksOf, readPieces } from './message-bytes.js';
import { StoreError, type BlobId, type MessageAnalysis, type MessagePiece } from './types.js';

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

export class BlobStore {
  readonly fts: FullTextIndex;
  private readonly selectBlob: Statement<[string], BlobRow>;
  private readonly insertBlob: Statement<[string, number, number, string, string], { id: number }>;
  private readonly insertChunk: Statement<[number, number, Buffer]>;
  private readonly selectChunks: Statement<[number, number, number], { data: Buffer }>;
  private readonly selectChunk: Statement<[number, number], { data: Buffer }>;
  private readonly deleteUnreferenced: Statement<[]>;

  constructor(db: Db) {
    this.fts = new FullTextIndex(db);
    this.selectBlob = db.prepare('SELECT id, size FROM blobs WHERE sha256 = ?');
    this.insertBlob = db.prepare(
      'INSERT INTO blobs (sha256, size, header_size, envelope, structure) VALUES (?, ?, ?, ?, ?) RETURNING id',
    );
    this.insertChunk = db.prepare('INSERT INTO blob_chunks (blob, seq, data) VALUES (?, ?, ?)');
    this.selectChunks = db.prepare('SELECT data FROM blob_chunks WHERE blob = ? AND seq BETWEEN ? AND ? ORDER BY seq');
    this.selectChunk = db.prepare('SELECT data FROM blob_chunks WHERE blob = ? AND seq = ?');
    this.deleteUnreferenced = db.prepare('DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM messages WHERE messages.blob = blobs.id)');
  }

  /**
   * The blob's row id, storing bytes and meta only if this body is new (its index entry follows
   * the transaction: FullTextIndex). Runs inside the caller's transaction, so a body is never
   * visible without the rows that reference it.
   */
  store(sha256: BlobId, pieces: readonly MessagePiece[], size: number, analysis: MessageAnalysis): number {
    const existing = this.selectBlob.get(sha256);
    if (existing !== undefined) return existing.id;
    const { id } = this.insertBlob.get(
      sha256,
      size,
      analysis.headerSize,
      JSON.stringify(analysis.envelope),
      JSON.stringify(analysis.structure),
    )!;
    let seq = 0;
    for (const chunk of chunksOf(readPieces(pieces), CHUNK_SIZE)) this.insertChunk.run(id, seq++, chunk);
    this.fts.enqueue(id, sha256, analysis.searchText);
    return id;
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

  /** The whole blob, one chunk read per pull, so a 25 MB body is never held twice. */
  stream(sha256: BlobId): Readable {
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

  /** A body's bytes by row id, whole. */
  readById(id: number): Buffer {
    return Buffer.concat(this.selectChunks.all(id, 0, Number.MAX_SAFE_INTEGER).map((row) => row.data));
  }

  /** Indexes the bodies stored before the search index existed, or left unindexed by a crash (FullTextIndex.backfill). */
  backfillIndex(): number {
    return this.fts.backfill((id) => this.readById(id));
  }

  /** Deletes bodies no message row points at (their chunks and index rows go with them). */
  purgeUnreferenced(): number {
    return this.deleteUnreferenced.run().changes;
  }

  private find(sha256: BlobId): BlobRow {
    const blob = this.selectBlob.get(sha256);
    if (blob === undefined) throw new StoreError('nonexistent', `no stored message body ${sha256}`);
    return blob;
  }
}
