/**
 * The ceiling on message bytes held in memory by all sessions together (`[limits] memory_ceiling`,
 * DESIGN.md "Config"). SMTP DATA and IMAP literals reserve what they are about to buffer before
 * they read it; past the ceiling the protocol answers "try later" (`452 4.3.1`, `NO [INUSE]`)
 * instead of queueing without bound. Bytes spooled to disk (`[limits] spool_threshold`, spool.ts)
 * are not counted until they are read back.
 *
 * Invariant: every reservation is released exactly once (release() is idempotent), on every path,
 * so `inUse` returns to zero when the server is idle.
 */
export interface MemoryReservation {
  readonly bytes: number;
  /** Grows the reservation by `more` bytes; false (and nothing reserved) past the ceiling. */
  grow(more: number): boolean;
  release(): void;
}

/** Hears the budget's use: what is reserved, and when nothing is any more (memory-return.ts). */
export interface BudgetWatcher {
  reserved(bytes: number): void;
  drained(): void;
}

export class MemoryBudget {
  private used = 0;

  constructor(
    readonly ceiling: number,
    private readonly watcher: BudgetWatcher | null = null,
  ) {}

  get inUse(): number {
    return this.used;
  }

  /** Reserves `bytes` now, or returns null when that would pass the ceiling. */
  reserve(bytes: number): MemoryReservation | null {
    if (!this.fits(bytes)) return null;
    this.used += bytes;
    this.watcher?.reserved(bytes);
    let held = bytes;
    let released = false;
    return {
      get bytes() {
        return held;
      },
      grow: (more: number) => {
        if (released || !this.fits(more)) return false;
        this.used += more;
        this.watcher?.reserved(more);
        held += more;
        return true;
      },
      release: () => {
        if (released) return;
        released = true;
        this.used -= held;
        if (this.used === 0 && held > 0) this.watcher?.drained();
      },
    };
  }

  /** Whether `bytes` more would fit now (nothing is reserved): a declared size checked before any byte arrives. */
  fits(bytes: number): boolean {
    return bytes >= 0 && this.used + bytes <= this.ceiling;
  }
}

export { limitMallocArenas, MemoryReturn, trimFreedMemory, type MemoryUse } from './memory-return.js';
export { MessageSpool, SpoolFile } from './spool.js';
export {
  checkMessageShape,
  checkSpooledShape,
  describeViolation,
  MessageShapeCheck,
  shapeLimitsOf,
  type MessageShapeLimits,
  type ShapeLimitKeys,
  type ShapeViolation,
} from './message-shape.js';
export { BuiltOnDemand, SLICE_MS, TimeSlices } from './slices.js';
