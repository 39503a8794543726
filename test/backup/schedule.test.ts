import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReadmeServer, type ReadmeServer } from '../interop/readme-server.js';

/**
 * Scheduled backups run by `serve` from `[backup] dir, every, keep` (docs/backup.en.md "Taking a
 * backup"): backups keep coming, only the newest `keep` stay, each verifies, and /metrics shows
 * the last success, its duration and size.
 */

let backupDir: string;
let server: ReadmeServer;

beforeAll(async () => {
  backupDir = mkdtempSync(path.join(os.tmpdir(), 'cm-backups-'));
  server = await startReadmeServer({ passwordChange: 'config', config: { backup: { dir: backupDir, every: '2s', keep: 2 } } });
  await server.addOfficial('Nguyễn Văn An');
}, 240_000);

afterAll(async () => {
  await server?.stop();
  rmSync(backupDir, { recursive: true, force: true });
});

/** `dir` is gone within 10 s (retention removing it), else the failure `stderr` stands. */
async function expectRemoved(dir: string, stderr: string): Promise<void> {
  for (let waited = 0; existsSync(dir); waited += 100) {
    if (waited >= 10_000) throw new Error(`backup ${dir} failed to verify and was not removed by retention: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('scheduled backups', () => {
  it('are taken every `every`, the newest `keep` are kept, and /metrics reports the last one', async () => {
    const deadline = Date.now() + 240_000;
    let metrics = '';
    // At least four backups made (the counter of successes is the last-success time moving on).
    const seen = new Set<number>();
    while (seen.size < 4) {
      if (Date.now() > deadline) throw new Error(`only ${seen.size} scheduled backups within 240 s; dir: ${readdirSync(backupDir).join(', ')}`);
      metrics = await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text();
      const last = metric(metrics, 'cantho_backup_last_success_timestamp_seconds');
      if (last > 0) seen.add(last);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(metric(metrics, 'cantho_backup_last_duration_seconds')).toBeGreaterThan(0);
    expect(metric(metrics, 'cantho_backup_last_size_bytes')).toBeGreaterThan(0);
    // A counter shows a sample once incremented: no sample, or 0, means no failure.
    expect(metrics).not.toMatch(/^cantho_backup_failures_total [1-9]/m);

    const finished = readdirSync(backupDir).filter((name) => /^cantho-mail-\d{8}T\d{6}Z$/.test(name));
    expect(finished.length).toBeLessThanOrEqual(2);
    for (const name of finished) {
      const dir = path.join(backupDir, name);
      const verified = await server.cli(['backup', 'verify', dir]);
      // Retention may remove a backup before or while it is checked (the schedule goes on every
      // 2 s): verify then misses the directory or one of its files. Any failure is fine only if the
      // backup is really going away; one that stays must verify.
      if (verified.code !== 0) await expectRemoved(dir, verified.stderr);
    }
  }, 300_000);
});
