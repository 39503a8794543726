import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/index.js';
import { openDatabase } from '../store/index.js';
import { BackupError } from './errors.js';
import { fsyncPath, isEmptyOrMissing } from './files.js';
import { DATABASE_FILE, hashFile } from './manifest.js';
import { silentProgress, type ProgressReporter } from './progress.js';
import { compareSchema, currentSchema, migrateAll } from './schema.js';
import { verifyBackup } from './verify.js';

/**
 * `backup restore DIR --data-dir NEW` (docs/backup.en.md "Restoring a whole server"): a verified
 * backup copied into an empty data directory, ready for `serve` with `server.data_dir = NEW`.
 * Never over existing data. A backup of an older schema is restored only with `migrate`
 * (the steps are applied here, explicitly, not silently at the next start); a newer one is refused.
 */

export interface RestoreSummary {
  readonly dataDir: string;
  readonly backupTakenAt: string;
  readonly files: number;
  readonly migrated: boolean;
  readonly schema: Readonly<Record<string, number>>;
}

export async function restoreServer(
  config: Config,
  dir: string,
  dataDir: string,
  options: { readonly migrate?: boolean; readonly progress?: ProgressReporter } = {},
): Promise<RestoreSummary> {
  const root = path.resolve(dir);
  const target = path.resolve(dataDir);
  if (!isEmptyOrMissing(target)) throw new BackupError(`${target} is not empty: restore into a new, empty data directory`);
  const progress = options.progress ?? silentProgress;
  const manifest = await verifyBackup(root, progress);
  const agreement = compareSchema(manifest.schema, await currentSchema(config), root);
  if (agreement === 'older' && !options.migrate) {
    throw new BackupError(`${root}: made by an older cantho-mail (schema ${JSON.stringify(manifest.schema)}): restore with --migrate to bring it up to date`);
  }
  mkdirSync(target, { recursive: true });
  for (const entry of manifest.files) {
    const from = path.join(root, entry.path);
    const to = path.join(target, entry.path);
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(from, to);
    // The copy is checked too: a bad disk under the new data directory shows here, not at start.
    if ((await hashFile(to)).sha256 !== entry.sha256) throw new BackupError(`${to}: the copy differs from ${from}`);
    fsyncPath(to);
  }
  fsyncPath(target);
  // openDatabase puts the copy back in WAL mode (backups are kept in rollback-journal mode).
  const db = openDatabase(path.join(target, DATABASE_FILE));
  const schema = agreement === 'older' ? await migrateAll(db, config) : (db.close(), manifest.schema);
  return { dataDir: target, backupTakenAt: manifest.startedAt, files: manifest.files.length, migrated: agreement === 'older', schema };
}
