import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { SqliteMailStore } from '../../src/store/sqlite-store.js';
import { annv, crashMessage, openTestStore, type TestStore } from './helpers.js';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-child.ts');
let t: TestStore;

beforeEach(() => {
  t = openTestStore();
});
afterEach(async () => {
  await t.cleanup();
});

/** Runs the delivering child from delivery `first` until it has acknowledged `atLeast`, then kill -9. */
async function deliverUntilKilled(file: string, first: number, atLeast: number): Promise<number[]> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, file, String(first)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acknowledged: number[] = [];
  let buffered = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (data: string) => {
    buffered += data;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    // Only whole lines count: a torn last line is a delivery we cannot claim was acknowledged.
    for (const line of lines) acknowledged.push(Number(line));
    if (acknowledged.length >= atLeast && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  expect(await exited).toBe('SIGKILL');
  return acknowledged;
}

/** How many times each body is in annv's INBOX, by SHA-256, read with a plain connection. */
function inboxCopies(file: string): { copies: Map<string, number>; uids: number[] } {
  const db = new Database(file);
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = db
      .prepare(
        `SELECT b.sha256, count(*) AS copies FROM messages m JOIN blobs b ON b.id = m.blob
         JOIN mailboxes x ON x.id = m.mailbox WHERE x.account = ? AND x.name = 'INBOX' GROUP BY b.sha256`,
      )
      .all(annv) as Array<{ sha256: string; copies: number }>;
    const uids = db.prepare('SELECT uid FROM messages ORDER BY uid').pluck().all() as number[];
    return { copies: new Map(rows.map((row) => [row.sha256, row.copies])), uids };
  } finally {
    db.close();
  }
}

it('after kill -9 mid-delivery, every acknowledged delivery is present exactly once', { timeout: 120_000 }, async () => {
  // The test's own store only made the file; the child must be its only writer.
  await t.store.close();
  const acknowledged: number[] = [];
  // Three crashes in a row on the same file, each at a different point of the group-commit cycle.
  for (const [round, atLeast] of [300, 457, 611].entries()) {
    const acked = await deliverUntilKilled(t.file, round * 1_000_000, atLeast);
    expect(acked.length).toBeGreaterThanOrEqual(atLeast);
    acknowledged.push(...acked);

    const { copies, uids } = inboxCopies(t.file);
    for (const n of acknowledged) {
      const sha256 = createHash('sha256').update(crashMessage(n)).digest('hex');
      expect(copies.get(sha256), `delivery ${n}`).toBe(1);
    }
    // Deliveries committed but not yet acknowledged when the kill came may be there too; none twice.
    expect([...copies.values()].every((count) => count === 1)).toBe(true);
    expect(new Set(uids).size).toBe(uids.length);
  }

  // The store opens on the recovered file and carries on with the next UID.
  const { uids } = inboxCopies(t.file);
  const store = new SqliteMailStore(openDatabase(t.file));
  const { delivered } = await store.deliver([{ account: annv, folder: 'INBOX' }], crashMessage(-1));
  expect(delivered[0]!.uid).toBe(Math.max(...uids) + 1);
  await store.close();
});
