import { describe, expect, it } from 'vitest';
import { DEFAULT_THROTTLE, LoginThrottle } from '../../src/directory/throttle.js';

/**
 * The per-IP gate of password checks (src/directory/throttle.ts): at most `maxChecksPerIp` in
 * flight per IP, a failed check's slot kept while the client waits out its delay, and checks in
 * flight weighed as failures not yet counted, so parallel guesses cannot get past the IP lock.
 */

const POLICY = { ...DEFAULT_THROTTLE, failuresBeforeDelay: 3, failuresBeforeLock: 10, lockMs: 60_000, maxChecksPerIp: 2 };
// An IP locks at failuresBeforeLock × ipFactor failures.
const IP_LOCK = POLICY.failuresBeforeLock * POLICY.ipFactor;

/** A throttle on a clock the test moves. */
function throttleAt(policy = POLICY): { throttle: LoginThrottle; advance: (ms: number) => void } {
  let now = 1_000_000;
  return { throttle: new LoginThrottle(policy, () => now), advance: (ms) => (now += ms) };
}

describe('password checks in flight per IP', () => {
  it('admits two checks from one IP at once, turns the third away, and serves other IPs meanwhile', () => {
    const { throttle } = throttleAt();
    const first = throttle.admit('192.0.2.1');
    const second = throttle.admit('192.0.2.1');
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(throttle.admit('192.0.2.1')).toBeNull();
    expect(throttle.admit('192.0.2.2')).not.toBeNull();
    first!(0);
    // Releasing twice frees one slot only.
    first!(0);
    expect(throttle.admit('192.0.2.1')).not.toBeNull();
    expect(throttle.admit('192.0.2.1')).toBeNull();
  });

  it('keeps a failed check’s slot while the client waits out its delay', () => {
    const { throttle, advance } = throttleAt({ ...POLICY, maxChecksPerIp: 1 });
    throttle.admit('192.0.2.1')!(500);
    expect(throttle.admit('192.0.2.1')).toBeNull();
    advance(499);
    expect(throttle.admit('192.0.2.1')).toBeNull();
    advance(1);
    expect(throttle.admit('192.0.2.1')).not.toBeNull();
  });

  it('counts checks in flight as failures to come: never more guesses than the IP lock allows', () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < IP_LOCK - 1; i++) throttle.fail(`user${i}`, '192.0.2.1');
    const last = throttle.admit('192.0.2.1');
    expect(last).not.toBeNull();
    // One failure left before the lock, and it is in flight: a second guess would outrun the lock.
    expect(throttle.admit('192.0.2.1')).toBeNull();
    throttle.fail('user-last', '192.0.2.1');
    last!(0);
    expect(throttle.check('someone', '192.0.2.1').locked).toBe(true);
  });
});
