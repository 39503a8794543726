import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { checkDatabaseIntegrity, describeDatabase } from '../store/index.js';
import { BackupError } from './errors.js';
import { DATABASE_FILE, hashFile, readManifest, type BackupManifest } from './manifest.js';
import { silentProgress, type ProgressReporter } from './progress.js';

/**
 * `backup verify DIR`, also the first step of every restore: with no server, checks that the
 * manifest is there (an interrupted backup has none), that every file it lists has its size and
 * SHA-256, that SQLite finds the database copy sound (PRAGMA integrity_check), and that its rows
 * per table are those counted when the backup was taken. The first fault throws a BackupError
 * naming the file.
 */
export async function verifyBackup(dir: string, progress: ProgressReporter = silentProgress): Promise<BackupManifest> {
  const root = path.resolve(dir);
  if (!existsSync(root)) throw new BackupError(`${root}: no such backup directory`);
  const manifest = readManifest(root);
  const total = manifest.files.reduce((sum, f) => sum + f.size, 0);
  let checked = 0;
  for (const entry of manifest.files) {
    const file = path.join(root, entry.path);
    if (!existsSync(file)) throw new BackupError(`${file}: missing (listed in the manifest)`);
    const size = statSync(file).size;
    if (size !== entry.size) throw new BackupError(`${file}: ${size} bytes, the manifest says ${entry.size} (truncated or damaged)`);
    const { sha256 } = await hashFile(file);
    if (sha256 !== entry.sha256) throw new BackupError(`${file}: SHA-256 differs from the manifest (damaged)`);
    checked += size;
    progress('verify', checked, total);
  }
  const database = path.join(root, DATABASE_FILE);
  if (!manifest.files.some((f) => f.path === DATABASE_FILE)) throw new BackupError(`${root}: the manifest lists no ${DATABASE_FILE}`);
  const problems = checkDatabaseIntegrity(database);
  if (problems.length > 0) throw new BackupError(`${database}: integrity check failed: ${problems.slice(0, 3).join('; ')}`);
  const { counts } = describeDatabase(database);
  for (const [table, expected] of Object.entries(manifest.counts)) {
    if (counts[table] !== expected) throw new BackupError(`${database}: table ${table} has ${counts[table] ?? 0} rows, the manifest says ${expected}`);
  }
  return manifest;
}
