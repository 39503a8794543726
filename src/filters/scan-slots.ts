/**
 * How many messages are at clamd at once, and in what order the others wait
 * (`[clamav] max_concurrent_scans`, README "clamd settings").
 *
 * Why a limit of our own: clamd runs at most MaxThreads scans and queues the rest *inside* clamd,
 * where a message we have given up on still takes its turn and its thread — closing our
 * connection does not stop a scan clamd has started (measured with ClamAV 1.4: four abandoned
 * scans of pathological MIME headers still made the next one-line message wait 26 s). So a slot
 * here is held until clamd really answers, not until we stop waiting.
 *
 * Two lanes, by size: a large message may take at most half of the slots; a small one may take
 * any free slot, and is served first when slots free up. The cost of clamd's MIME parser grows
 * with the length of a part's header, so a small message is cheap by construction, and ordinary
 * mail never waits behind a few slow large ones. Within a lane, first come first served. Each
 * lane's queue is bounded (past it the caller tempfails that one message), and a waiter gives up
 * when its own deadline passes.
 */
export type ScanLane = 'small' | 'large';

/** A slot once granted: call once when clamd has answered (or the connection is gone). */
export type ReleaseSlot = () => void;

export interface SlotRequest {
  /** Resolves when the slot is granted. */
  readonly granted: Promise<ReleaseSlot>;
  /** Leaves the queue (deadline passed); a slot granted in the meantime is released. */
  cancel(): void;
}

interface Waiter {
  readonly grant: (release: ReleaseSlot) => void;
}

export class ScanSlots {
  private running = 0;
  private runningLarge = 0;
  private readonly waiting: Record<ScanLane, Waiter[]> = { small: [], large: [] };
  private readonly largeLimit: number;

  constructor(
    private readonly limit: number,
    /** Waiters per lane beyond which a request is refused at once. */
    private readonly queueLimit: number,
  ) {
    this.largeLimit = Math.max(1, Math.floor(limit / 2));
  }

  /** Scans at clamd now and messages waiting for a slot (logged with every message not scanned in time). */
  get load(): { readonly running: number; readonly waiting: number } {
    return { running: this.running, waiting: this.waiting.small.length + this.waiting.large.length };
  }

  /** null when the lane's queue is full. */
  request(lane: ScanLane): SlotRequest | null {
    if (this.mayStart(lane)) {
      const release = this.take(lane);
      return { granted: Promise.resolve(release), cancel: () => undefined };
    }
    if (this.waiting[lane].length >= this.queueLimit) return null;
    let granted: ReleaseSlot | null = null;
    let cancelled = false;
    let waiter!: Waiter;
    const promise = new Promise<ReleaseSlot>((resolve) => {
      waiter = {
        grant: (release) => {
          granted = release;
          resolve(release);
        },
      };
    });
    this.waiting[lane].push(waiter);
    return {
      granted: promise,
      cancel: () => {
        if (cancelled) return;
        cancelled = true;
        const queue = this.waiting[lane];
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        else if (granted) granted();
      },
    };
  }

  private mayStart(lane: ScanLane): boolean {
    if (this.running >= this.limit) return false;
    return lane === 'small' || this.runningLarge < this.largeLimit;
  }

  private take(lane: ScanLane): ReleaseSlot {
    this.running++;
    if (lane === 'large') this.runningLarge++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      if (lane === 'large') this.runningLarge--;
      this.dispatch();
    };
  }

  private dispatch(): void {
    for (const lane of ['small', 'large'] as const) {
      while (this.waiting[lane].length > 0 && this.mayStart(lane)) {
        this.waiting[lane].shift()!.grant(this.take(lane));
      }
    }
  }
}
