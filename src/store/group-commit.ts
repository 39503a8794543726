import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import { asStorageError } from './storage-full.js';
import { WalFile } from './wal-file.js';

/** Upper bound of jobs in one transaction, so a burst never becomes one huge commit. */
const MAX_BATCH = 256;

type Outcome<Result> = { ok: true; value: Result } | { ok: false; error: unknown };

interface Pending<Job, Result> {
  readonly job: Job;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit (DESIGN.md "Durability"): jobs submitted while the event loop is busy — in the
 * same tick, or while the previous commit ran — run in ONE write transaction.
 *
 * The fsync is off the event loop: a batch commits with `synchronous = NORMAL` (SQLite then
 * writes the WAL frames but does not sync them; the setting is per connection and may only
 * change outside a transaction, so it is set around each batch and FULL is back for every other
 * write), then the WAL file is fsynced in libuv's thread pool. Measured in the served SMTP bench
 * (bench/cpu-profile.ts): the group commit was 21 % of the main thread's busy time, and a commit
 * of three 4 KB messages took 8 ms with FULL against 2.3 ms with NORMAL on this machine — the
 * difference was the event loop waiting for the disk.
 *
 * The writes stay on the store's own connection, not on a writer thread with a connection of its
 * own: the server learns of the CLI's commits by PRAGMA data_version (external-changes.ts), which
 * changes for a commit by ANY other connection — a writer connection's deliveries would all look
 * like the CLI's, and every IMAP session would resynchronise and every login cache empty at each
 * poll. SQLite's data_version says that some other connection committed, never which one.
 *
 * Invariant: a job's promise resolves only after the COMMIT of the transaction holding it has
 * returned AND an fsync of the WAL started after that COMMIT has completed — the state a FULL
 * commit leaves (SQLite's WAL recovery keeps every frame up to the last synced commit record);
 * so whatever a caller acknowledges (SMTP `250`) survives a crash or power loss. Readers on this
 * connection may see a delivery during that fsync; only a power loss in that window could take
 * it back, and nobody was told it was stored. Each job runs in its own SAVEPOINT:
 * a job that throws is rolled back alone and its promise rejects, the others still commit. If
 * the transaction as a whole fails (COMMIT error, I/O error, SQLite rolled it back), every job
 * of the batch rejects and nothing of it is kept.
 */
export class GroupCommit<Job, Result> {
  /** Counters for tests and benchmarks. */
  readonly stats = { transactions: 0, jobs: 0 };
  private queue: Pending<Job, Result>[] = [];
  private scheduled = false;
  /** WAL syncs in flight, each started after the COMMITs it covers. */
  private readonly syncs = new Set<Promise<void>>();
  /** The last batch's settling (never rejects): the next batch settles after it. */
  private settled: Promise<void> = Promise.resolve();
  private readonly walFile: WalFile | null;
  /** Prepared once: db.pragma() would prepare the statement again around every batch. */
  private readonly syncNormal: Statement;
  private readonly syncFull: Statement;

  constructor(
    private readonly db: Db,
    /** Runs inside the transaction; may throw to fail this job only. */
    private readonly apply: (job: Job) => Result,
    /** Runs after the COMMIT with the results of the jobs that succeeded, in submission order. */
    private readonly afterCommit: (results: readonly Result[]) => void,
    /** Makes the WAL file durable (fdatasync); tests pass one they control. */
    private readonly syncWal: (walFile: WalFile) => Promise<void> = (walFile) => walFile.datasync(),
  ) {
    this.walFile = db.memory ? null : new WalFile(`${db.name}-wal`);
    this.syncNormal = db.prepare('PRAGMA synchronous = NORMAL');
    this.syncFull = db.prepare('PRAGMA synchronous = FULL');
  }

  submit(job: Job): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Commits everything queued (synchronous=FULL, settled at once), waits for the WAL fsyncs in
   * flight and lets go of the WAL file: the store calls it before its connection closes.
   */
  async close(): Promise<void> {
    while (this.queue.length > 0) this.flushBatch('in-commit');
    await Promise.allSettled([...this.syncs]);
    await this.settled;
    await this.walFile?.close();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate runs after pending I/O callbacks: every delivery that arrived on a socket
    // while the last commit was running joins the next batch.
    setImmediate(() => {
      this.scheduled = false;
      this.flushBatch(this.walFile ? 'off-loop' : 'in-commit');
      if (this.queue.length > 0) this.schedule();
    });
  }

  private flushBatch(fsync: 'in-commit' | 'off-loop'): void {
    const batch = this.queue.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    if (fsync === 'off-loop') this.syncNormal.run();
    const outcomes: Outcome<Result>[] = [];
    // Nested inside the outer transaction, better-sqlite3 runs this as SAVEPOINT … RELEASE,
    // and rolls back to the savepoint when apply throws.
    const applyInSavepoint = this.db.transaction((job: Job) => this.apply(job));
    try {
      this.db
        .transaction(() => {
          for (const pending of batch) {
            try {
              outcomes.push({ ok: true, value: applyInSavepoint(pending.job) });
            } catch (error) {
              // Some errors (SQLITE_FULL, I/O) make SQLite roll back the whole transaction; going
              // on would run the next jobs in autocommit mode, outside this batch's guarantee.
              if (!this.db.inTransaction) throw error;
              outcomes.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      const failure = asStorageError(error);
      for (const pending of batch) pending.reject(failure);
      return;
    } finally {
      if (fsync === 'off-loop') this.syncFull.run();
    }
    this.stats.transactions++;
    this.stats.jobs += batch.length;
    if (fsync === 'in-commit') {
      this.settle(batch, outcomes);
      return;
    }
    // An fsync that fails leaves the batch committed but perhaps not on disk: its jobs are
    // refused (the client retries; a duplicate is possible, a loss after `250` is not). Batches
    // settle in commit order, so listeners learn of appended UIDs in ascending order even when a
    // later batch's sync returns first.
    const synced = this.walSynced();
    this.settled = this.settled
      .then(() => synced)
      .then(
        () => this.settle(batch, outcomes),
        (error: unknown) => {
          for (const pending of batch) pending.reject(error);
        },
      );
  }

  private settle(batch: readonly Pending<Job, Result>[], outcomes: readonly Outcome<Result>[]): void {
    const succeeded: Result[] = [];
    batch.forEach((pending, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) {
        succeeded.push(outcome.value);
        pending.resolve(outcome.value);
      } else {
        pending.reject(asStorageError(outcome.error));
      }
    });
    this.afterCommit(succeeded);
  }

  /**
   * Resolves once a sync of the WAL started by this call, after the caller's COMMIT, has
   * completed. It starts at once, beside any sync still running: that one began before the
   * COMMIT and may not cover it, and waiting for it first made a delivery wait for one and a
   * half syncs on average. Concurrent syncs of one file are safe (each flushes what was written
   * before it began, and the file system lets a later one share the journal commit of an earlier).
   */
  private walSynced(): Promise<void> {
    const sync = this.syncWal(this.walFile!).finally(() => this.syncs.delete(sync));
    this.syncs.add(sync);
    return sync;
  }
}
