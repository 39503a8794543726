import { availableParallelism } from 'node:os';

/**
 * The queue in front of every password check (argon2: 19 MiB and tens of ms of one of libuv's
 * threadpool threads each), for every protocol alike.
 *
 * Invariants:
 * - At most `concurrency` checks run at once, all addresses together: argon2 is CPU work on the
 *   threadpool, which file and DNS work share; past the number of cores more at once only
 *   lengthens each, and the event loop must stay served.
 * - Fair between addresses: each address waits in its own FIFO, and a free slot goes to the
 *   addresses in turn (round robin), so an office of 300 reconnecting after a restart, or a
 *   flood from one address, delays another address by one check at most.
 * - Bounded: `maxPerAddress` checks waiting or running per address and `maxTotal` in all; past
 *   that, and for a check still waiting after `maxWaitMs`, the answer is BUSY (the protocols'
 *   "try again in a moment"), never an unbounded queue.
 * - An address that earned a delay (throttle.ts) starts its next check only once the delay is
 *   over (`holdAddress`): sending in parallel does not side-step it. Meanwhile it may keep one
 *   check waiting, and more are BUSY at once: queueing is for addresses in good standing, and a
 *   flood must not park thousands of requests. And `mayStart` weighs the address's checks in
 *   flight as failures to come, so parallel guesses cannot outrun its lock.
 */

export interface CheckQueuePolicy {
  readonly concurrency: number;
  readonly maxWaitMs: number;
  readonly maxPerAddress: number;
  readonly maxTotal: number;
}

/** The cores, but one of libuv's threads (`UV_THREADPOOL_SIZE`, 4 by default) always left for file and DNS work. */
export function defaultCheckConcurrency(): number {
  const threadpool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(availableParallelism(), threadpool - 1));
}

export const BUSY = Symbol('busy');

/** A check waiting for a slot: `start` gives it one, `cancel` answers it BUSY. */
interface Waiter {
  readonly start: () => void;
  readonly cancel: () => void;
}

interface AddressQueue {
  /** The checks waiting for a slot, oldest first. */
  readonly waiting: Waiter[];
  /** Checks admitted and not finished (waiting or running). */
  admitted: number;
  running: number;
  holdUntil: number;
}

export class PasswordCheckQueue {
  private running = 0;
  private admitted = 0;
  /** In round-robin order: an address served moves to the end. */
  private readonly addresses = new Map<string, AddressQueue>();
  private wake: { readonly at: number; readonly timer: NodeJS.Timeout } | null = null;

  constructor(
    private readonly policy: CheckQueuePolicy,
    /** May the address start one more check, with `running` of its own running? */
    private readonly mayStart: (ip: string, running: number) => boolean = () => true,
    /** The throttle's clock, which holds are measured on; deadlines are real time. */
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs `work` in a slot when the address's turn comes (after `after` settles), or BUSY. */
  async run<T>(ip: string, work: () => Promise<T>, after: Promise<unknown> = Promise.resolve()): Promise<T | typeof BUSY> {
    if (this.addresses.size > this.policy.maxTotal) this.forgetIdleAddresses();
    const queue = this.addresses.get(ip) ?? { waiting: [], admitted: 0, running: 0, holdUntil: 0 };
    const held = queue.holdUntil > this.now() && queue.admitted > 0;
    if (held || queue.admitted >= this.policy.maxPerAddress || this.admitted >= this.policy.maxTotal) return BUSY;
    this.addresses.set(ip, queue);
    queue.admitted++;
    this.admitted++;
    const deadline = Date.now() + this.policy.maxWaitMs;
    try {
      await after;
      if (!(await this.turn(queue, deadline))) return BUSY;
      try {
        return await work();
      } finally {
        queue.running--;
        this.running--;
      }
    } finally {
      queue.admitted--;
      this.admitted--;
      if (queue.admitted === 0 && queue.holdUntil <= this.now()) this.addresses.delete(ip);
      this.dispatch();
    }
  }

  /** The address's next check starts no sooner than `ms` from now; of its waiting checks, the oldest keeps its place. */
  holdAddress(ip: string, ms: number): void {
    const queue = this.addresses.get(ip);
    if (!queue || ms <= 0) return;
    queue.holdUntil = Math.max(queue.holdUntil, this.now() + ms);
    for (const waiter of queue.waiting.splice(1)) waiter.cancel();
  }

  /** Addresses with nothing queued stay only while they wait out a delay; many addresses (IPv6) must not grow the map without end. */
  private forgetIdleAddresses(): void {
    const now = this.now();
    for (const [ip, queue] of this.addresses) if (queue.admitted === 0 && queue.holdUntil <= now) this.addresses.delete(ip);
  }

  /** Resolves true when a slot is taken for this check, false at the deadline. */
  private turn(queue: AddressQueue, deadline: number): Promise<boolean> {
    if (queue.holdUntil > this.now() && queue.waiting.length > 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const settle = (started: boolean) => {
        clearTimeout(timer);
        resolve(started);
      };
      const waiter: Waiter = { start: () => settle(true), cancel: () => settle(false) };
      const timer = setTimeout(() => {
        queue.waiting.splice(queue.waiting.indexOf(waiter), 1);
        resolve(false);
      }, Math.max(0, deadline - Date.now()));
      queue.waiting.push(waiter);
      this.dispatch();
    });
  }

  /** Hands free slots to waiting addresses in turn; wakes itself when a held address may go on. */
  private dispatch(): void {
    const now = this.now();
    let nextWake = Infinity;
    while (this.running < this.policy.concurrency) {
      let chosen: [string, AddressQueue] | null = null;
      for (const [ip, queue] of this.addresses) {
        if (queue.waiting.length === 0) continue;
        if (queue.holdUntil > now) nextWake = Math.min(nextWake, queue.holdUntil);
        else if (this.mayStart(ip, queue.running)) {
          chosen = [ip, queue];
          break;
        }
      }
      if (!chosen) break;
      const [ip, queue] = chosen;
      this.addresses.delete(ip);
      this.addresses.set(ip, queue);
      queue.running++;
      this.running++;
      queue.waiting.shift()!.start();
    }
    if (nextWake === Infinity || (this.wake && this.wake.at <= nextWake)) return;
    if (this.wake) clearTimeout(this.wake.timer);
    const timer = setTimeout(() => {
      this.wake = null;
      this.dispatch();
    }, nextWake - now);
    this.wake = { at: nextWake, timer };
  }
}
