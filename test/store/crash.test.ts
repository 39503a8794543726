/**
 * SQLite-specific: a delivery acknowledged before a killed process is on disk after reopening the
 * file, and the search index catches up; another process writing the same file meanwhile loses
 * nothing (DESIGN.md "Durability"). Not part of the contract suite.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { SqliteMailStore } from '../../src/store/sqlite-store.js';
import { annv, crashMessage, openTestStore, unindexedBodies, type TestStore } from './helpers.js';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-child.ts');
let t: TestStore;

beforeEach(() => {
  t = openTestStore();
});
afterEach(async () => {
  await t.cleanup();
});

interface DeliveringChild {
  /** Deliveries whose promise had resolved in the child, in the order it printed them. */
  readonly acknowledged: number[];
  /** Resolves once the child has acknowledged `count` deliveries. */
  acknowledgedAtLeast(count: number): Promise<void>;
  /** kill -9, resolved when the process is gone. */
  kill(): Promise<void>;
}

/** Starts crash-child.ts delivering from delivery `first` on. */
function startDeliveringChild(file: string, first: number): DeliveringChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, file, String(first)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acknowledged: number[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let buffered = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (data: string) => {
    buffered += data;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    // Only whole lines count: a torn last line is a delivery we cannot claim was acknowledged.
    for (const line of lines) acknowledged.push(Number(line));
    for (const waiter of waiters.filter((w) => acknowledged.length >= w.count)) waiter.resolve();
  });
  return {
    acknowledged,
    acknowledgedAtLeast(count) {
      if (acknowledged.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiters.push({ count, resolve });
        void exited.then(() => reject(new Error(`child exited after ${acknowledged.length} deliveries`)));
      });
    },
    async kill() {
      proc.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
    },
  };
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

it('after kill -9 mid-delivery, every acknowledged delivery is present exactly once', async () => {
  // The test's own store only made the file; the child must be its only writer.
  await t.store.close();
  const acknowledged: number[] = [];
  // Three crashes in a row on the same file, each at a different point of the group-commit cycle.
  for (const [round, atLeast] of [300, 457, 611].entries()) {
    const delivering = startDeliveringChild(t.file, round * 1_000_000);
    await delivering.acknowledgedAtLeast(atLeast);
    await delivering.kill();
    expect(delivering.acknowledged.length).toBeGreaterThanOrEqual(atLeast);
    acknowledged.push(...delivering.acknowledged);

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
  const store = new SqliteMailStore(openDatabase(t.file), { indexUnindexed: true });
  // Indexing follows the commit (src/store/fts.ts): what the kills left unindexed, the server's store indexes as it opens.
  expect(unindexedBodies(t.file)).toBe(0);
  const { delivered } = await store.deliver([{ account: annv, folder: 'INBOX' }], crashMessage(-1));
  expect(delivered[0]!.uid).toBe(Math.max(...uids) + 1);
  const inbox = (await store.getMailbox(annv, 'INBOX'))!;
  expect([...(await store.searchText(inbox.id, 'subject', `crash ${acknowledged.at(-1)}`))]).toHaveLength(1);
  await store.close();
});

it('another process (the CLI) writing the same mailbox meanwhile: every UID distinct, nothing lost or doubled', async () => {
  await t.store.ensureAccount(annv);
  const inbox = (await t.store.getMailbox(annv, 'INBOX'))!;
  const delivering = startDeliveringChild(t.file, 0);
  await delivering.acknowledgedAtLeast(1);
  const appended: number[] = [];
  for (let i = 0; i < 60; i++) {
    appended.push((await t.store.append(inbox.id, crashMessage(-1000 - i))).uid);
    // Let the child's writes in between ours.
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await delivering.kill();

  const { copies, uids } = inboxCopies(t.file);
  expect(new Set(uids).size).toBe(uids.length);
  for (let i = 1; i < appended.length; i++) expect(appended[i]!).toBeGreaterThan(appended[i - 1]!);
  for (const n of [...delivering.acknowledged, ...Array.from({ length: 60 }, (_, i) => -1000 - i)]) {
    expect(copies.get(createHash('sha256').update(crashMessage(n)).digest('hex')), `message ${n}`).toBe(1);
  }
  // The two writers really interleaved: the child's UIDs lie between ours.
  const ours = new Set(appended);
  const theirs = uids.filter((uid) => !ours.has(uid));
  expect(theirs.some((uid) => uid > appended[0]! && uid < appended.at(-1)!)).toBe(true);
});
