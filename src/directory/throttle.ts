/**
 * Brute-force protection for logins (issue 7 "Login protection"): failures are counted per
 * account and per client IP; past a threshold each failure asks the caller to wait longer
 * (the protocol answers late), and past a second threshold the account or IP is locked for a
 * while. A city office sits behind one NAT address, so an IP gets `ipFactor` times the
 * account's allowance before it is slowed or locked: one official's typos must not lock out
 * the whole office. Counters live in memory only; they restart with the server, as a lock is
 * meant to be temporary anyway.
 *
 * Besides counting, an IP may have only `maxChecksPerIp` password checks (argon2, 19 MiB and
 * one of libuv's 4 threads each) in flight at once, for every protocol alike; more are refused
 * at once ('busy'), so a flood from one address cannot queue hashing for everyone else. A check
 * that failed keeps its slot for the delay it earned: parallel connections cannot side-step the
 * growing delays. And a check in flight may be a failure not yet counted: an IP is admitted only
 * while its failures plus its checks in flight stay below its lock, so parallel guesses cannot
 * outrun the lock.
 */

export interface ThrottlePolicy {
  readonly failuresBeforeDelay: number;
  readonly failuresBeforeLock: number;
  readonly lockMs: number;
  readonly ipFactor: number;
  /** Delay at the first throttled failure; doubles with each one after it. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Bound on remembered keys, so 10,000 made-up logins cannot grow memory without end. */
  readonly maxEntries: number;
  /** Password checks from one IP in flight at once (see above). */
  readonly maxChecksPerIp: number;
}

export const DEFAULT_THROTTLE: Omit<ThrottlePolicy, 'failuresBeforeDelay' | 'failuresBeforeLock' | 'lockMs'> = {
  ipFactor: 10,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxEntries: 100_000,
  // Two, as the web page had: a check takes tens of ms, and only a check that misses the login
  // cache takes a slot, so an office behind one NAT address seldom has a third at the same
  // moment; a client turned away is told to retry (IMAP [UNAVAILABLE], SMTP 454, HTTP 429).
  maxChecksPerIp: 2,
};

interface Counter {
  failures: number;
  lastFailure: number;
  lockedUntil: number;
}

export type ThrottleState = { readonly locked: false } | { readonly locked: true; readonly delayMs: number };

export interface FailureOutcome {
  readonly delayMs: number;
  /** This failure locked the account or IP (audited once, at the transition). */
  readonly lockedNow: boolean;
}

/** Ends an admitted check: its IP slot is freed after `holdMs` (the delay a failure earned), at once for 0. */
export type ReleaseCheck = (holdMs: number) => void;

export class LoginThrottle {
  private readonly counters = new Map<string, Counter>();
  /** Per IP, checks admitted and not yet released; bounded by the open connections. */
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly policy: ThrottlePolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Before any password check: a locked account or IP is refused without paying argon2. */
  check(account: string, ip: string): ThrottleState {
    const t = this.now();
    for (const key of [accountKey(account), ipKey(ip)]) {
      const counter = this.current(key, t);
      if (counter && counter.lockedUntil > t) return { locked: true, delayMs: this.policy.maxDelayMs };
    }
    return { locked: false };
  }

  /**
   * Right before a password check (after `check`, with no await in between): a release function
   * when this IP may run one more now, or null when it must retry later ('busy').
   */
  admit(ip: string): ReleaseCheck | null {
    const inFlight = this.inFlight.get(ip) ?? 0;
    const failures = this.current(ipKey(ip), this.now())?.failures ?? 0;
    if (inFlight >= this.policy.maxChecksPerIp || failures + inFlight >= this.policy.failuresBeforeLock * this.policy.ipFactor) return null;
    this.inFlight.set(ip, inFlight + 1);
    let released = false;
    const free = () => {
      const left = (this.inFlight.get(ip) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(ip);
      else this.inFlight.set(ip, left);
    };
    return (holdMs) => {
      if (released) return;
      released = true;
      // A timer, not work: other clients are not slowed by this IP's wait. unref: a pending
      // release must not keep a stopping server alive.
      if (holdMs > 0) setTimeout(free, holdMs).unref();
      else free();
    };
  }

  fail(account: string, ip: string): FailureOutcome {
    const a = this.count(accountKey(account), 1);
    const i = this.count(ipKey(ip), this.policy.ipFactor);
    return { delayMs: Math.max(a.delayMs, i.delayMs), lockedNow: a.lockedNow || i.lockedNow };
  }

  /** A correct password clears the account's count, not the IP's: one good login must not launder many bad ones. */
  succeed(account: string): void {
    this.counters.delete(accountKey(account));
  }

  private count(key: string, factor: number): FailureOutcome {
    const t = this.now();
    const counter = this.current(key, t) ?? { failures: 0, lastFailure: t, lockedUntil: 0 };
    counter.failures += 1;
    counter.lastFailure = t;
    this.counters.delete(key);
    this.counters.set(key, counter);
    if (this.counters.size > this.policy.maxEntries) this.counters.delete(this.counters.keys().next().value!);

    const throttledFrom = this.policy.failuresBeforeDelay * factor;
    const lockAt = this.policy.failuresBeforeLock * factor;
    const lockedNow = counter.failures >= lockAt && counter.lockedUntil <= t;
    if (lockedNow) counter.lockedUntil = t + this.policy.lockMs;
    if (counter.failures < throttledFrom) return { delayMs: 0, lockedNow };
    const steps = Math.floor((counter.failures - throttledFrom) / factor);
    return { delayMs: Math.min(this.policy.baseDelayMs * 2 ** steps, this.policy.maxDelayMs), lockedNow };
  }

  /** The counter if still relevant: a quiet period as long as a lock forgives earlier failures. */
  private current(key: string, t: number): Counter | null {
    const counter = this.counters.get(key);
    if (!counter) return null;
    if (counter.lockedUntil <= t && t - counter.lastFailure > this.policy.lockMs) {
      this.counters.delete(key);
      return null;
    }
    return counter;
  }
}

const accountKey = (account: string) => `a:${account}`;
const ipKey = (ip: string) => `i:${ip}`;
