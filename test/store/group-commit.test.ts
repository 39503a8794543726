import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { GroupCommit } from '../../src/store/group-commit.js';
import { WalFile } from '../../src/store/wal-file.js';

/** A WAL sync the test finishes by hand, to see what each delivery waits for. */
interface HeldSync {
  readonly finish: () => void;
  readonly fail: (error: Error) => void;
}

/** A group commit over a real SQLite file whose WAL syncs the test holds and releases. */
function heldCommit(db: Db) {
  const syncs: HeldSync[] = [];
  const settled: string[] = [];
  const commit = new GroupCommit<string, string>(
    db,
    (value) => {
      db.prepare('INSERT INTO items (value) VALUES (?)').run(value);
      return value;
    },
    (results) => settled.push(...results),
    () =>
      new Promise<void>((resolve, reject) => {
        syncs.push({ finish: resolve, fail: reject });
      }),
  );
  return { commit, syncs, settled };
}

/** Lets setImmediate (the batch) and the promise callbacks after it run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('group commit and the WAL sync', () => {
  let dir: string;
  let db: Db;

  afterEach(() => {
    db?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function openItems(): Db {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-group-commit-'));
    db = openDatabase(path.join(dir, 'mail.db'));
    db.exec('CREATE TABLE items (value TEXT NOT NULL)');
    return db;
  }

  it('starts the sync covering a commit at once, without waiting for the one running', async () => {
    const { commit, syncs } = heldCommit(openItems());
    let first = false;
    let second = false;
    void commit.submit('a').then(() => (first = true));
    await turn();
    expect(syncs).toHaveLength(1);
    void commit.submit('b').then(() => (second = true));
    await turn();
    // The second batch committed while the first sync ran: its own sync is already running.
    expect(syncs).toHaveLength(2);
    expect(db.prepare('SELECT count(*) FROM items').pluck().get()).toBe(2);
    expect([first, second]).toEqual([false, false]);
    syncs[0]!.finish();
    await turn();
    expect([first, second]).toEqual([true, false]);
    syncs[1]!.finish();
    await turn();
    expect(second).toBe(true);
  });

  it('never acknowledges a commit before the sync started after it has completed, and settles in commit order', async () => {
    const { commit, syncs, settled } = heldCommit(openItems());
    const done: string[] = [];
    void commit.submit('a').then((value) => done.push(value));
    await turn();
    void commit.submit('b').then((value) => done.push(value));
    await turn();
    // The later sync returns first: "b" is durable, yet it waits for "a" to be acknowledged.
    syncs[1]!.finish();
    await turn();
    expect(done).toEqual([]);
    syncs[0]!.finish();
    await turn();
    expect(done).toEqual(['a', 'b']);
    expect(settled).toEqual(['a', 'b']);
  });

  it('refuses the jobs of a batch whose sync failed, and acknowledges the next batch still', async () => {
    const { commit, syncs } = heldCommit(openItems());
    const first = commit.submit('a');
    first.catch(() => undefined);
    await turn();
    const second = commit.submit('b');
    await turn();
    syncs[0]!.fail(new Error('EIO'));
    syncs[1]!.finish();
    await expect(first).rejects.toThrow('EIO');
    await expect(second).resolves.toBe('b');
  });

  it('syncs the WAL through one descriptor kept open until close, and not at all before the WAL exists', async () => {
    openItems();
    const walPath = path.join(dir, 'other.db-wal');
    const target = (fd: string) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return null;
      }
    };
    const descriptorsOnWal = () => fs.readdirSync('/proc/self/fd').filter((fd) => target(fd) === walPath).length;
    const wal = new WalFile(walPath);
    await wal.datasync();
    expect(descriptorsOnWal()).toBe(0);
    fs.writeFileSync(walPath, 'frames');
    await Promise.all([wal.datasync(), wal.datasync()]);
    await wal.datasync();
    expect(descriptorsOnWal()).toBe(1);
    await wal.close();
    expect(descriptorsOnWal()).toBe(0);
  });
});
