import { describe, expect, it } from 'vitest';
import { BUSY, PasswordCheckQueue } from '../../src/directory/check-queue.js';
import { DEFAULT_THROTTLE, LoginThrottle } from '../../src/directory/throttle.js';

/**
 * The login counters (src/directory/throttle.ts) and the queue of password checks
 * (src/directory/check-queue.ts): locks are per (account, address) and per address, the account as
 * a whole only slows strangers; checks wait fairly, bounded, instead of being refused at once.
 */

const POLICY = { ...DEFAULT_THROTTLE, failuresBeforeDelay: 3, failuresBeforeLock: 10, lockMs: 60_000 };

/** A throttle on a clock the test moves. */
function throttleAt(policy = POLICY): { throttle: LoginThrottle; advance: (ms: number) => void } {
  let now = 1_000_000;
  return { throttle: new LoginThrottle(policy, () => now), advance: (ms) => (now += ms) };
}

describe('login counters', () => {
  it('locks the guessing address out of the account, not the owner at another address', () => {
    const { throttle } = throttleAt();
    throttle.succeed('annv', '192.0.2.1');
    for (let i = 0; i < POLICY.failuresBeforeLock; i++) throttle.fail('annv', '198.51.100.9');
    expect(throttle.check('annv', '198.51.100.9').locked).toBe(true);
    expect(throttle.check('annv', '192.0.2.1').locked).toBe(false);
    expect(throttle.check('binhtt', '198.51.100.9').locked).toBe(false);
  });

  it('locks an address that guesses across many accounts, for every account', () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < throttle.addressLockAt; i++) throttle.fail(`user${i}`, '198.51.100.9');
    expect(throttle.check('someone', '198.51.100.9').locked).toBe(true);
    expect(throttle.check('someone', '192.0.2.1').locked).toBe(false);
  });

  it('answers a distributed guess with delay, never a lock, and does not delay an address the owner used', () => {
    const { throttle } = throttleAt();
    throttle.succeed('annv', '192.0.2.1');
    let delay = 0;
    for (let i = 0; i < 50; i++) delay = throttle.fail('annv', `203.0.113.${i}`).delayMs;
    expect(delay).toBe(POLICY.maxDelayMs);
    expect(throttle.check('annv', '203.0.113.200').locked).toBe(false);
    // A typo from the office: no account-wide delay.
    expect(throttle.fail('annv', '192.0.2.1').delayMs).toBe(0);
  });

  it('forgives after a quiet period as long as the lock', () => {
    const { throttle, advance } = throttleAt();
    for (let i = 0; i < POLICY.failuresBeforeLock; i++) throttle.fail('annv', '198.51.100.9');
    advance(POLICY.lockMs + 1);
    expect(throttle.check('annv', '198.51.100.9').locked).toBe(false);
  });
});

/** A check that takes `ms` and records when it ran. */
function slowCheck(log: string[], name: string, ms: number): () => Promise<string> {
  return async () => {
    log.push(name);
    await new Promise((resolve) => setTimeout(resolve, ms));
    return name;
  };
}

describe('password check queue', () => {
  it('runs at most `concurrency` at once and serves addresses in turn, however many one address sent first', async () => {
    const queue = new PasswordCheckQueue({ concurrency: 1, maxWaitMs: 5_000, maxPerAddress: 100, maxTotal: 1_000 });
    const log: string[] = [];
    const flood = Array.from({ length: 10 }, (_, i) => queue.run('192.0.2.1', slowCheck(log, `a${i}`, 5)));
    const other = queue.run('192.0.2.2', slowCheck(log, 'b', 5));
    await Promise.all([...flood, other]);
    expect(log.indexOf('b')).toBeLessThanOrEqual(2);
  });

  it('answers BUSY past the per-address bound and after the deadline', async () => {
    const queue = new PasswordCheckQueue({ concurrency: 1, maxWaitMs: 50, maxPerAddress: 2, maxTotal: 1_000 });
    const log: string[] = [];
    const first = queue.run('192.0.2.1', slowCheck(log, 'first', 200));
    const second = queue.run('192.0.2.1', slowCheck(log, 'second', 1));
    expect(await queue.run('192.0.2.1', slowCheck(log, 'third', 1))).toBe(BUSY);
    expect(await second).toBe(BUSY);
    expect(await first).toBe('first');
    expect(log).toEqual(['first']);
  });

  it('while an address waits out its delay, keeps one check of it waiting and turns the rest away', async () => {
    const queue = new PasswordCheckQueue({ concurrency: 2, maxWaitMs: 5_000, maxPerAddress: 10, maxTotal: 1_000 });
    await queue.run('192.0.2.1', async () => queue.holdAddress('192.0.2.1', 100));
    const waiting = queue.run('192.0.2.1', async () => 'checked');
    expect(await queue.run('192.0.2.1', async () => 'checked')).toBe(BUSY);
    expect(await queue.run('192.0.2.2', async () => 'other')).toBe('other');
    expect(await waiting).toBe('checked');
  });

  it('starts an address’s next check only after the delay it earned', async () => {
    const queue = new PasswordCheckQueue({ concurrency: 2, maxWaitMs: 5_000, maxPerAddress: 10, maxTotal: 1_000 });
    const started = performance.now();
    await queue.run('192.0.2.1', async () => queue.holdAddress('192.0.2.1', 100));
    await queue.run('192.0.2.1', async () => undefined);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });
});
