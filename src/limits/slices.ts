import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Long work on the main thread cut into bounded slices (docs/architecture.md invariant 2,
 * "Nothing unbounded on the event loop"): a job that walks a mailbox or the directory calls
 * `pause()` between two items, and every `SLICE_MS` of its work the event loop gets a turn, so
 * IMAP, SMTP and the web keep answering while it runs. Measured by time rather than by a count of
 * items: items differ in cost (a message a year overdue is aged day by day), and the machine's
 * load changes what a count costs.
 */

/** The longest the work may hold the event loop between two turns, in ms. */
export const SLICE_MS = 10;

export class TimeSlices {
  private sliceStart = performance.now();

  constructor(private readonly sliceMs = SLICE_MS) {}

  /** Lets the event loop run when the current slice has used its time; resolves at once otherwise. */
  async pause(): Promise<void> {
    if (performance.now() - this.sliceStart < this.sliceMs) return;
    await nextTurn();
    this.sliceStart = performance.now();
  }
}

/**
 * A value built on first use, in slices, and dropped by `invalidate()` (the directory changed):
 * callers during a build wait for it. A build starts only after the previous one ended, so one
 * that records something (the CardDAV change log) never does so out of order; a failed build is
 * not kept, and the next `get()` tries again.
 */
export class BuiltOnDemand<T> {
  private value: Promise<T> | null = null;
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly build: () => Promise<T>) {}

  get(): Promise<T> {
    if (this.value === null) {
      const value = this.last.then(() => this.build());
      this.last = value.catch(() => undefined);
      this.value = value;
      value.catch(() => {
        if (this.value === value) this.value = null;
      });
    }
    return this.value;
  }

  invalidate(): void {
    this.value = null;
  }
}
