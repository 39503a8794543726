import { open, type FileHandle } from 'node:fs/promises';

/**
 * The WAL file of the store's connection, kept open between group commits for its fdatasync(2):
 * opening and closing it around every sync was 5 % of the main thread's busy time in the served
 * SMTP bench (bench/cpu-profile.ts). One handle stays valid: SQLite removes the WAL only when
 * the last connection to the database closes (https://sqlite.org/wal.html §"The WAL File") and
 * otherwise truncates it in place, keeping the file, and our connection is open until close().
 * POSIX fdatasync flushes the data and the metadata needed to read it back (the WAL's size),
 * only not the timestamps, which recovery never reads.
 */
export class WalFile {
  private handle: Promise<FileHandle | null> | null = null;

  constructor(private readonly file: string) {}

  /** fdatasync of the WAL; none while there is no WAL file. */
  async datasync(): Promise<void> {
    const handle = await (this.handle ??= this.open());
    if (!handle) return;
    try {
      await handle.datasync();
    } catch (error) {
      // A failed sync may leave the descriptor unusable (EIO): the next sync opens the file again.
      this.handle = null;
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    const handle = await this.handle;
    this.handle = null;
    await handle?.close();
  }

  private async open(): Promise<FileHandle | null> {
    try {
      return await open(this.file, 'r');
    } catch (error) {
      // Looked for again at the next sync. A WAL that is not there yet had nothing written to it; one
      // that is gone was checkpointed into the database and removed by SQLite as the last connection
      // closed, which it does only after syncing the database.
      this.handle = null;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }
}
