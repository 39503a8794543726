import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config/index.js';
import { checkDatabaseIntegrity, openDatabase } from '../../store/index.js';
import { BackupError } from '../errors.js';
import { isEmptyOrMissing } from '../files.js';
import { DATABASE_FILE } from '../manifest.js';
import { litestreamBinary, writeLitestreamConfig } from './litestream.js';

/**
 * `replica restore --to DIR [--timestamp T]` (docs/backup.en.md "Warm standby"): the database
 * as the `[replica]` holds it (its latest position, or as of T within `retention`) written as
 * DIR/mail.db, checked by SQLite, ready for `serve` with `server.data_dir = DIR`.
 */

export interface ReplicaRestoreSummary {
  readonly dataDir: string;
  readonly timestamp: string | null;
  readonly durationMs: number;
}

export async function restoreReplica(config: Config, to: string, timestamp?: string): Promise<ReplicaRestoreSummary> {
  if (config.replica.url === '') throw new BackupError('no [replica] url in the config: nothing to restore from');
  const target = path.resolve(to);
  if (!isEmptyOrMissing(target)) throw new BackupError(`${target} is not empty: restore into a new, empty data directory`);
  let at: string | null = null;
  if (timestamp !== undefined) {
    const parsed = new Date(timestamp);
    if (Number.isNaN(parsed.getTime())) throw new BackupError(`--timestamp ${JSON.stringify(timestamp)} is not a time like 2026-12-02T10:15:00Z`);
    at = parsed.toISOString();
  }
  mkdirSync(target, { recursive: true });
  const output = path.join(target, DATABASE_FILE);
  const started = Date.now();
  // Litestream finds the replica from the same config serve gives it, keyed by the live database path.
  const { file, remove } = writeLitestreamConfig(config);
  try {
    const args = ['restore', '-config', file, '-o', output, ...(at === null ? [] : ['-timestamp', at]), config.paths.database];
    const { code, stderr } = await run(litestreamBinary(), args);
    if (code !== 0) throw new BackupError(`litestream restore failed (exit ${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`);
  } finally {
    remove();
  }
  const problems = checkDatabaseIntegrity(output);
  if (problems.length > 0) throw new BackupError(`${output}: integrity check failed after restore: ${problems.slice(0, 3).join('; ')}`);
  openDatabase(output).close();
  return { dataDir: target, timestamp: at, durationMs: Date.now() - started };
}

function run(command: string, args: readonly string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
}
