/**
 * Login protection that cannot be turned against the owner (src/directory/throttle.ts,
 * check-queue.ts), over real sockets with Python's imaplib: annv has logged in from 127.0.0.1
 * (her office); someone at 127.0.0.2 then sends 100 wrong passwords for annv at once. 127.0.0.2
 * is locked out of annv (even with the right password); annv from 127.0.0.1 logs in meanwhile
 * and afterwards, without waiting for the attacker's delays.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { imaplibLogins, type ImaplibLogin } from './imaplib.js';

const PASSWORD = 'Mat-khau-cua-An-2026'; // imaplib sends LOGIN arguments as ASCII
const OFFICE = '127.0.0.1';
const ATTACKER = '127.0.0.2';
const LOCKED = /\[AUTHENTICATIONFAILED\] Too many failed logins/;

let server: TestServer;
beforeAll(async () => {
  // Delays from the 8th failure, so that the test does not sit through the production ones.
  server = await startTestServer({ config: { policy: { login_failures_before_delay: 8, login_failures_before_lock: 10 } }, smtp: { queueWorker: false } });
  await server.addUser('Nguyễn Văn An', { address: 'annv', password: PASSWORD });
});
afterAll(() => server.close());

describe('a lockout attempt from another address', () => {
  test('100 wrong passwords for annv from 127.0.0.2 lock 127.0.0.2 only; annv from 127.0.0.1 logs in all along', async () => {
    const [first] = await imaplibLogins(server.ports.imap, [{ source: OFFICE, user: 'annv', password: PASSWORD }]);
    expect(first!.answer).toBe('OK');

    const guesses: ImaplibLogin[] = Array.from({ length: 100 }, (_, i) => ({ source: ATTACKER, user: 'annv', password: `sai-${i}` }));
    const attack = imaplibLogins(server.ports.imap, guesses);
    // While the guesses are queued and answered late: the office logs in.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [during] = await imaplibLogins(server.ports.imap, [{ source: OFFICE, user: 'annv', password: PASSWORD }]);
    const officeAt = performance.now();
    const answers = await attack;
    const attackAt = performance.now();
    const attackSeconds = Math.max(...answers.map((a) => a.done));
    console.log(`lockout: annv from ${OFFICE} logged in in ${Math.round(during!.done * 1000)} ms while 100 guesses from ${ATTACKER} took ${attackSeconds.toFixed(1)} s`);
    expect(during!.answer).toBe('OK');
    expect(officeAt).toBeLessThan(attackAt);

    // Ten were checked (login_failures_before_lock), the other ninety refused unchecked.
    expect(answers.filter((a) => /Invalid credentials/.test(a.answer))).toHaveLength(10);
    expect(answers.filter((a) => LOCKED.test(a.answer))).toHaveLength(90);

    const [rightFromAttacker, office] = await imaplibLogins(server.ports.imap, [
      { source: ATTACKER, user: 'annv', password: PASSWORD },
      { source: OFFICE, user: 'annv', password: PASSWORD },
    ]);
    expect(rightFromAttacker!.answer).toMatch(LOCKED);
    expect(office!.answer).toBe('OK');
    const locks = server.directory.queryAudit({ subject: 'annv@cantho.gov.vn' }).filter((row) => row.action === 'login.lock');
    expect(locks.map((row) => (row.detail as { ip?: string }).ip)).toEqual([ATTACKER]);
  });
});
