import type { Db } from './database.js';
import { asStorageError } from './storage-full.js';

/** Upper bound of jobs in one transaction, so a burst never becomes one huge commit. */
const MAX_BATCH = 256;

interface Pending<Job, Result> {
  readonly job: Job;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit (DESIGN.md "Durability"): jobs submitted while the event loop is busy — in the
 * same tick, or while the previous commit's fsync blocked it — run in ONE write transaction.
 *
 * Invariant: a job's promise resolves only after the COMMIT of the transaction holding it has
 * returned, and with synchronous=FULL that COMMIT has fsynced the WAL; so whatever a caller
 * acknowledges (SMTP `250`) survives a crash or power loss. Each job runs in its own SAVEPOINT:
 * a job that throws is rolled back alone and its promise rejects, the others still commit. If
 * the transaction as a whole fails (COMMIT error, I/O error, SQLite rolled it back), every job
 * of the batch rejects and nothing of it is kept.
 */
export class GroupCommit<Job, Result> {
  /** Counters for tests and benchmarks. */
  readonly stats = { transactions: 0, jobs: 0 };
  private queue: Pending<Job, Result>[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Db,
    /** Runs inside the transaction; may throw to fail this job only. */
    private readonly apply: (job: Job) => Result,
    /** Runs after the COMMIT with the results of the jobs that succeeded, in submission order. */
    private readonly afterCommit: (results: readonly Result[]) => void,
  ) {}

  submit(job: Job): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.schedule();
    });
  }

  /** Commits everything queued, synchronously (used by close()). */
  flushAll(): void {
    while (this.queue.length > 0) this.flushBatch();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate runs after pending I/O callbacks: every delivery that arrived on a socket
    // while the last commit was running joins the next batch.
    setImmediate(() => {
      this.scheduled = false;
      this.flushBatch();
      if (this.queue.length > 0) this.schedule();
    });
  }

  private flushBatch(): void {
    const batch = this.queue.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    const outcomes: Array<{ ok: true; value: Result } | { ok: false; error: unknown }> = [];
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
    }
    this.stats.transactions++;
    this.stats.jobs += batch.length;
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
}
