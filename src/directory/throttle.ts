import { KnownAddresses } from './known-addresses.js';

/**
 * Brute-force protection for logins, counted so that it cannot be turned against the owner:
 *
 * - per (account, client address): past `failuresBeforeDelay` each failure asks the caller to
 *   wait longer, past `failuresBeforeLock` that address is locked out of that account for
 *   `lockMs` — the attacker's attempts, never the owner's office;
 * - per address: the same with `ipFactor` times the allowance (a city office sits behind one NAT
 *   address, so one official's typos must not lock out the office), locking every account from it;
 * - per account, all addresses together (a distributed guess): only delay, from the point where
 *   one address would be locked; never a lock. And an address that logged in to the account
 *   recently (known-addresses.ts) is not even delayed.
 *
 * Counters live in memory only; they restart with the server, as a lock is meant to be temporary
 * anyway, and each node of several counts its own (docs/postgres.en.md "Login throttles and the
 * login cache with several nodes"). Queueing of the password checks themselves is check-queue.ts.
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
}

export const DEFAULT_THROTTLE: Omit<ThrottlePolicy, 'failuresBeforeDelay' | 'failuresBeforeLock' | 'lockMs'> = {
  ipFactor: 10,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxEntries: 100_000,
};

interface Counter {
  failures: number;
  lastFailure: number;
  lockedUntil: number;
}

export type ThrottleState = { readonly locked: false } | { readonly locked: true; readonly delayMs: number };

export interface FailureOutcome {
  /** How late the protocol answers this failure. */
  readonly delayMs: number;
  /** How long the address waits before its next password check starts (its own delay only). */
  readonly addressHoldMs: number;
  /** This failure locked the (account, address) pair or the address (audited once, at the transition). */
  readonly lockedNow: boolean;
}

export class LoginThrottle {
  private readonly counters = new Map<string, Counter>();
  private readonly known: KnownAddresses;

  constructor(
    private readonly policy: ThrottlePolicy,
    private readonly now: () => number = Date.now,
  ) {
    this.known = new KnownAddresses(now);
  }

  /** Failures from one address that lock it for every account. */
  get addressLockAt(): number {
    return this.policy.failuresBeforeLock * this.policy.ipFactor;
  }

  /** Before any password check: a locked pair or address is refused without paying argon2. */
  check(account: string, ip: string): ThrottleState {
    const t = this.now();
    for (const key of [pairKey(account, ip), ipKey(ip)]) {
      const counter = this.current(key, t);
      if (counter && counter.lockedUntil > t) return { locked: true, delayMs: this.policy.maxDelayMs };
    }
    return { locked: false };
  }

  /** The address logged in to the account recently: it skips the account-wide delay. */
  isKnownAddress(account: string, ip: string): boolean {
    return this.known.has(account, ip);
  }

  /** Failures counted against the address now (check-queue.ts weighs checks in flight against its lock). */
  addressFailures(ip: string): number {
    return this.current(ipKey(ip), this.now())?.failures ?? 0;
  }

  fail(account: string, ip: string): FailureOutcome {
    const pair = this.count(pairKey(account, ip), 1, this.policy.failuresBeforeDelay, true);
    const address = this.count(ipKey(ip), this.policy.ipFactor, this.policy.failuresBeforeDelay * this.policy.ipFactor, true);
    const accountWide = this.count(accountKey(account), 1, this.policy.failuresBeforeLock, false);
    const fromKnown = this.known.has(account, ip);
    return {
      delayMs: Math.max(pair.delayMs, address.delayMs, fromKnown ? 0 : accountWide.delayMs),
      addressHoldMs: address.delayMs,
      lockedNow: pair.lockedNow || address.lockedNow,
    };
  }

  /**
   * The right password from this address: its pair count is cleared and the address remembered.
   * The address's own count stays (one good login must not launder many bad ones), and so does
   * the account-wide one (the owner logging in does not end someone else's distributed guess).
   */
  succeed(account: string, ip: string): void {
    this.counters.delete(pairKey(account, ip));
    this.known.remember(account, ip);
  }

  /** Counts one failure under `key`; delay from `delayFrom` failures, doubling every `factor` more. */
  private count(key: string, factor: number, delayFrom: number, locks: boolean): { delayMs: number; lockedNow: boolean } {
    const t = this.now();
    const counter = this.current(key, t) ?? { failures: 0, lastFailure: t, lockedUntil: 0 };
    counter.failures += 1;
    counter.lastFailure = t;
    this.counters.delete(key);
    this.counters.set(key, counter);
    if (this.counters.size > this.policy.maxEntries) this.counters.delete(this.counters.keys().next().value!);

    const lockedNow = locks && counter.failures >= this.policy.failuresBeforeLock * factor && counter.lockedUntil <= t;
    if (lockedNow) counter.lockedUntil = t + this.policy.lockMs;
    if (counter.failures < delayFrom) return { delayMs: 0, lockedNow };
    const steps = Math.floor((counter.failures - delayFrom) / factor);
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

const pairKey = (account: string, ip: string) => `p:${account}|${ip}`;
const accountKey = (account: string) => `a:${account}`;
const ipKey = (ip: string) => `i:${ip}`;
