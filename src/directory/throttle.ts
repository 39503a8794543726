/**
 * Brute-force protection for logins (issue 7 "Login protection"): failures are counted per
 * account and per client IP; past a threshold each failure asks the caller to wait longer
 * (the protocol answers late), and past a second threshold the account or IP is locked for a
 * while. A city office sits behind one NAT address, so an IP gets `ipFactor` times the
 * account's allowance before it is slowed or locked: one official's typos must not lock out
 * the whole office. Counters live in memory only; they restart with the server, as a lock is
 * meant to be temporary anyway.
 *
 * Besides counting, an IP may have only `maxChecksPerIp` password checks in flight at once, for
 * every protocol alike: being checked (argon2, 19 MiB and one of libuv's 4 threads each) or, if
 * wrong, waiting out the delay they earned (the protocol answers late). More are refused at once
 * ('busy'), so a flood from one address can neither queue hashing for everyone else nor
 * side-step the growing delays by sending in parallel. And a check in flight may be a failure
 * not yet counted: a check is admitted only while the IP's failures plus its checks in flight
 * stay below its lock, so parallel guesses cannot outrun the lock. Slots are kept on the
 * throttle's clock, like the counters.
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
  /** Password checks from one IP in flight (running or waiting out their delay) at once (see above). */
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

/** Ends an admitted attempt: its IP slot stays taken `holdMs` more (the delay the client waits out), none for 0. */
export type ReleaseCheck = (holdMs: number) => void;

/** A slot runs until it is released (`Infinity`), then is held until the time in it. */
type Slot = { until: number };

export class LoginThrottle {
  private readonly counters = new Map<string, Counter>();
  /** Per IP, its taken slots (at most maxChecksPerIp each). */
  private readonly slots = new Map<string, Slot[]>();

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
   * Takes one of the IP's slots for a password check: a release function, or null when the IP
   * must retry later ('busy'). Call right after `check` (no await between), so the failures
   * weighed are the ones check() saw.
   */
  admit(ip: string): ReleaseCheck | null {
    const t = this.now();
    if (this.slots.size > this.policy.maxEntries) for (const key of [...this.slots.keys()]) this.takenSlots(key, t);
    const taken = this.takenSlots(ip, t);
    const failures = this.current(ipKey(ip), t)?.failures ?? 0;
    if (taken.length >= this.policy.maxChecksPerIp || failures + taken.length >= this.policy.failuresBeforeLock * this.policy.ipFactor) return null;
    const slot: Slot = { until: Infinity };
    taken.push(slot);
    this.slots.set(ip, taken);
    return (holdMs) => {
      if (slot.until === Infinity) slot.until = this.now() + holdMs;
    };
  }

  /** The IP's slots still taken at `t`; forgets the IP when none is. */
  private takenSlots(ip: string, t: number): Slot[] {
    const taken = (this.slots.get(ip) ?? []).filter((slot) => slot.until > t);
    if (taken.length === 0) this.slots.delete(ip);
    else this.slots.set(ip, taken);
    return taken;
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
