import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { backupFailures, backupLastDuration, backupLastSize, backupLastSuccess } from '../metrics.js';
import { createBackup, type BackupSummary } from './create.js';
import { readManifest } from './manifest.js';

/**
 * Scheduled backups run by `serve` from `[backup] dir, every, keep` (DESIGN.md "Config"): one
 * backup at a time into `dir/cantho-mail-<UTC time>`, then only the newest `keep` finished
 * backups are kept. The first runs when the newest backup in `dir` is `every` old (at once on
 * a new dir), so a restart neither skips nor repeats one. Figures go to /metrics.
 */

const NAME = /^cantho-mail-\d{8}T\d{6}Z$/;

export function backupName(at: Date): string {
  return `cantho-mail-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}`;
}

/** Finished backups in `dir` (a manifest that reads), oldest first. */
export function finishedBackups(dir: string): Array<{ dir: string; finishedAt: Date }> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => NAME.test(name));
  } catch {
    return [];
  }
  return names
    .flatMap((name) => {
      try {
        return [{ dir: path.join(dir, name), finishedAt: new Date(readManifest(path.join(dir, name)).finishedAt) }];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime());
}

/** Removes all but the newest `keep` finished backups, and unfinished ones older than `staleMs`. */
export function pruneBackups(dir: string, keep: number, staleMs: number, now = Date.now()): string[] {
  const finished = finishedBackups(dir);
  const removed = finished.slice(0, Math.max(0, finished.length - keep)).map((b) => b.dir);
  const kept = new Set(finished.map((b) => path.basename(b.dir)));
  for (const name of readdirSync(dir)) {
    if (kept.has(name) || !name.startsWith('cantho-mail-')) continue;
    // An interrupted backup (its .partial-… directory, or a name without a manifest).
    if (now - statSync(path.join(dir, name)).mtimeMs > staleMs) removed.push(path.join(dir, name));
  }
  for (const stale of removed) rmSync(stale, { recursive: true, force: true });
  return removed;
}

export function scheduleBackups(config: Config, logger: Logger): () => void {
  const { dir, every, keep } = config.backup;
  if (dir === '') return () => {};
  const root = path.resolve(dir);
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const run = async () => {
    let summary: BackupSummary | null = null;
    try {
      summary = await createBackup(
        { database: config.paths.database, dataDir: config.paths.dataDir, domain: config.server.domain },
        path.join(root, backupName(new Date())),
      );
      backupLastSuccess.set(Date.parse(summary.finishedAt) / 1000);
      backupLastDuration.set(summary.durationMs / 1000);
      backupLastSize.set(summary.bytes);
      const removed = pruneBackups(root, keep, every);
      logger.info({ dir: summary.dir, durationMs: summary.durationMs, bytes: summary.bytes, removed }, 'scheduled backup done');
    } catch (error) {
      backupFailures.inc();
      logger.error({ err: error }, 'scheduled backup failed');
    }
    if (!stopped) plan();
  };
  const plan = () => {
    const newest = finishedBackups(root).at(-1);
    if (newest) backupLastSuccess.set(newest.finishedAt.getTime() / 1000);
    const due = newest ? newest.finishedAt.getTime() + every : Date.now();
    timer = setTimeout(() => void run(), Math.max(0, due - Date.now()));
    timer.unref();
  };
  plan();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
