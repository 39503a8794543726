import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * Message bodies above `[limits] spool_threshold` wait on disk, in `<data_dir>/spool`, while they
 * arrive, instead of in memory (DESIGN.md "Config" [limits]): a slow sender of a 25 MB message
 * holds a file, not 25 MB of RAM counted against `memory_ceiling`, for as long as it takes.
 *
 * Invariants:
 * - one file per message being received, named by a random UUID, opened `wx+` (never reused);
 * - every file is removed exactly once (remove() is idempotent) on every path that ends the
 *   message: delivered, refused, tempfailed, or the client gone mid-DATA;
 * - what a crash or kill leaves behind is removed when the server starts (clearStale), before any
 *   listener takes mail: no file there belongs to a message anyone was told was accepted, since
 *   acknowledged messages live in the database only.
 */
export class MessageSpool {
  private constructor(readonly dir: string, readonly threshold: number) {}

  /** The spool under `dataDir`, emptied of what a previous run left. */
  static open(dataDir: string, threshold: number): MessageSpool {
    const spool = new MessageSpool(path.join(dataDir, 'spool'), threshold);
    spool.clearStale();
    return spool;
  }

  /** Removes every file in the spool directory (and creates it when missing). */
  clearStale(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(this.dir)) rmSync(path.join(this.dir, name), { force: true, recursive: true });
  }

  /** A new, empty spool file. */
  async create(): Promise<SpoolFile> {
    const file = path.join(this.dir, `${randomUUID()}.eml`);
    return new SpoolFile(file, await open(file, 'wx+', 0o600));
  }
}

export class SpoolFile {
  private written = 0;
  private removed = false;

  constructor(readonly path: string, private handle: FileHandle | null) {}

  get size(): number {
    return this.written;
  }

  /** Appends `chunk`; resolves once the file system has it (the caller reads no more until then). */
  async write(chunk: Uint8Array): Promise<void> {
    if (!this.handle) throw new Error('spool file already closed');
    await this.handle.write(chunk, 0, chunk.length, this.written);
    this.written += chunk.length;
  }

  /** The bytes written, read back into `into` (of `size` bytes at least); the file stays until remove(). */
  async readInto(into: Uint8Array): Promise<void> {
    if (!this.handle) throw new Error('spool file already closed');
    let at = 0;
    while (at < this.written) {
      const { bytesRead } = await this.handle.read(into, at, this.written - at, at);
      if (bytesRead === 0) throw new Error(`spool file ${this.path} is shorter than what was written`);
      at += bytesRead;
    }
  }

  /**
   * The bytes written, a piece of at most `pieceSize` at a time, the same buffer reused: a check
   * that reads the whole message (src/limits/message-shape.ts) holds one piece, not the message.
   */
  async *pieces(pieceSize = 64 * 1024): AsyncGenerator<Buffer> {
    if (!this.handle) throw new Error('spool file already closed');
    const piece = Buffer.allocUnsafe(Math.min(pieceSize, Math.max(1, this.written)));
    for (let at = 0; at < this.written; ) {
      const { bytesRead } = await this.handle.read(piece, 0, Math.min(piece.length, this.written - at), at);
      if (bytesRead === 0) throw new Error(`spool file ${this.path} is shorter than what was written`);
      at += bytesRead;
      yield piece.subarray(0, bytesRead);
    }
  }

  /** Closes and deletes the file; safe to call more than once and on any path. */
  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    const handle = this.handle;
    this.handle = null;
    await handle?.close().catch(() => undefined);
    rmSync(this.path, { force: true });
  }
}
