import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeDatabase, snapshotDatabase, StoreError } from '../store/index.js';
import { BackupError } from './errors.js';
import { fsyncPath, isEmptyOrMissing, listFiles } from './files.js';
import { DATABASE_FILE, MANIFEST, hashFile, newManifest, type BackupManifest } from './manifest.js';
import { silentProgress, type ProgressReporter } from './progress.js';

/**
 * `backup create DIR` (docs/backup.en.md "Taking a backup"). Invariants:
 * - The database is copied as of one commit by the store (VACUUM INTO on a read connection,
 *   never a copy of the live WAL); message bodies live in it, so nothing else can be out of step.
 * - Everything is written under a temporary sibling name and renamed to DIR only after the
 *   manifest is on disk: a backup killed at any point (kill -9, disk full) is never at DIR, and
 *   the temporary directory has no manifest, so `verify` refuses it.
 * - The live data directory is only read; a failure removes the temporary directory.
 */

export interface BackupSource {
  /** The live database file (config paths.database). */
  readonly database: string;
  /** The data directory: its other files (the self-signed TLS pair) are copied as they are. */
  readonly dataDir: string;
  readonly domain: string;
}

export interface BackupSummary {
  readonly dir: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  /** Bytes of every file of the backup. */
  readonly bytes: number;
  readonly counts: BackupManifest['counts'];
  readonly schema: BackupManifest['schema'];
}

/** The database and its journal files are the snapshot's business, never copied as files. */
const LIVE_DATABASE_FILES = new Set([DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`, `${DATABASE_FILE}-journal`]);

export async function createBackup(source: BackupSource, target: string, progress: ProgressReporter = silentProgress): Promise<BackupSummary> {
  const dir = path.resolve(target);
  if (!isEmptyOrMissing(dir)) throw new BackupError(`${dir} already exists and is not empty: choose a new directory`);
  if (!existsSync(source.database)) throw new BackupError(`no database at ${source.database}: nothing to back up`);
  mkdirSync(path.dirname(dir), { recursive: true });
  const partial = `${dir}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  mkdirSync(partial);
  try {
    const started = new Date();
    const copy = path.join(partial, DATABASE_FILE);
    const expected = statSync(source.database).size;
    const sizeOf = (file: string) => (existsSync(file) ? statSync(file).size : 0);
    await snapshotDatabase(source.database, copy, () => progress('snapshot', sizeOf(copy), expected));
    progress('snapshot', sizeOf(copy), sizeOf(copy));

    for (const file of listFiles(source.dataDir).filter((f) => !LIVE_DATABASE_FILES.has(f))) {
      mkdirSync(path.dirname(path.join(partial, file)), { recursive: true });
      copyFileSync(path.join(source.dataDir, file), path.join(partial, file));
    }
    const { schema, counts } = describeDatabase(copy);
    const names = listFiles(partial);
    const total = names.reduce((sum, name) => sum + statSync(path.join(partial, name)).size, 0);
    const files = [];
    let hashed = 0;
    for (const name of names) {
      const file = path.join(partial, name);
      const { size, sha256 } = await hashFile(file);
      fsyncPath(file);
      files.push({ path: name, size, sha256 });
      hashed += size;
      progress('checksum', hashed, total);
    }
    const finished = new Date();
    const manifest = newManifest({ startedAt: started.toISOString(), finishedAt: finished.toISOString(), domain: source.domain, schema, counts, files });
    const manifestFile = path.join(partial, MANIFEST);
    writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    fsyncPath(manifestFile);
    fsyncPath(partial);
    // rename(2) replaces an empty directory atomically.
    renameSync(partial, dir);
    fsyncPath(path.dirname(dir));
    return { dir, startedAt: manifest.startedAt, finishedAt: manifest.finishedAt, durationMs: finished.getTime() - started.getTime(), bytes: total, counts, schema };
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw outOfSpace(error) ? new BackupError(`${dir}: not enough space for the backup (${(error as Error).message}); nothing was kept, the live data is untouched`) : error;
  }
}

/**
 * A full disk (ENOSPC), a file size limit (EFBIG: RLIMIT_FSIZE, a quota) or SQLite's SQLITE_FULL
 * while the snapshot is written: the admin's answer is space, not a bug report.
 */
function outOfSpace(error: unknown): boolean {
  if (error instanceof StoreError) return error.code === 'full';
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT';
}
