/**
 * Security review, login flood from one address: every password check (argon2) waits its turn in
 * one fair queue, for IMAP, SMTP and web alike (src/directory/check-queue.ts). Twenty LOGINs
 * / nine AUTHs sent at once from 127.0.0.1 to as many accounts with production-cost hashes
 * (argon2id 19 MiB, so the checks really overlap): each is checked in turn and refused as wrong,
 * never more checks at once than the queue's concurrency, none turned away; meanwhile an
 * official on 127.0.0.2 is served in between, before the flood is through.
 * (test/directory/throttle.test.ts has the queue's bound and deadline.)
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultCheckConcurrency } from '../../src/directory/check-queue.js';
import { PRODUCTION_ARGON2, hashPassword } from '../../src/directory/password.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { RawClient } from '../imap/support.js';
import { RawSmtp } from '../smtp/raw-client.js';
import { saslPlain } from './support.js';

const PASSWORD = 'Login-flood-review-2026';
// 29 guesses in all from 127.0.0.1: below the 30 (login_failures_before_delay × 10) after which the
// address earns delays and its surplus checks are turned away (test/web/throttle.test.ts).
const FLOOD_ACCOUNTS = 20;
const SMTP_FLOOD = 9;
const CONCURRENCY = defaultCheckConcurrency();
const IMAP_WRONG = 'l NO [AUTHENTICATIONFAILED] Invalid credentials';
const SMTP_WRONG = '535 5.7.8 Authentication credentials invalid';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ smtp: { queueWorker: false } });
  await server.addUser('Người Ngoài', { address: 'bystander', password: PASSWORD });
  const slowHash = await hashPassword(PASSWORD, PRODUCTION_ARGON2);
  for (let i = 0; i < FLOOD_ACCOUNTS + SMTP_FLOOD; i++) {
    await server.addUser('Người Thử', { address: `flood${i}`, password: PASSWORD });
    server.directory.admin.importPasswordHash(`flood${i}`, slowHash, { actor: 'cli:test' });
  }
});
afterAll(() => server.close());


describe('login flood from one IP', () => {
  test(`IMAP: ${FLOOD_ACCOUNTS} simultaneous LOGINs from 127.0.0.1 are all checked in turn; 127.0.0.2 logs in before they are through`, async () => {
    const flood = await Promise.all(Array.from({ length: FLOOD_ACCOUNTS }, () => RawClient.connect(server.ports.imaps, true, '127.0.0.1')));
    const bystander = await RawClient.connect(server.ports.imaps, true, '127.0.0.2');
    const { stats, passwordChecks } = server.directory;
    const verified = stats.argon2Verifications;
    const busy = passwordChecks.busy;
    try {
      const started = performance.now();
      flood.forEach((client, i) => client.send(`l LOGIN flood${i} wrong-${i}\r\n`));
      bystander.send(`b LOGIN bystander ${PASSWORD}\r\n`);
      const [answers, official] = await Promise.all([
        Promise.all(flood.map(async (client) => ({ line: (await client.until((line) => line.startsWith('l '), 30_000)).at(-1)!, at: performance.now() }))),
        bystander.until((line) => line.startsWith('b '), 30_000).then((lines) => ({ lines, at: performance.now() })),
      ]);
      console.log(
        `IMAP login flood: ${FLOOD_ACCOUNTS} LOGINs answered in ${Math.round(Math.max(...answers.map((a) => a.at)) - started)} ms; ` +
          `127.0.0.2 logged in after ${Math.round(official.at - started)} ms; peak ${passwordChecks.peakInFlight} checks in flight`,
      );

      expect(official.lines.at(-1)).toMatch(/^b OK \[CAPABILITY /);
      expect(answers.map((a) => a.line)).toEqual(Array(FLOOD_ACCOUNTS).fill(IMAP_WRONG));
      expect(official.at).toBeLessThan(Math.max(...answers.map((a) => a.at)));
      expect(stats.argon2Verifications - verified).toBe(FLOOD_ACCOUNTS + 1);
      expect(passwordChecks.busy - busy).toBe(0);
      expect(passwordChecks.peakInFlight).toBeLessThanOrEqual(CONCURRENCY);
      expect(passwordChecks.inFlight).toBe(0);
    } finally {
      for (const client of [...flood, bystander]) client.close();
    }
  });

  test(`SMTP: ${SMTP_FLOOD} simultaneous AUTHs from 127.0.0.1 are all checked in turn; 127.0.0.2 authenticates`, async () => {
    const count = SMTP_FLOOD;
    const flood = await Promise.all(Array.from({ length: count }, () => RawSmtp.connect(server.ports.submissions, { tls: true, localAddress: '127.0.0.1' })));
    const bystander = await RawSmtp.connect(server.ports.submissions, { tls: true, localAddress: '127.0.0.2' });
    await Promise.all([...flood, bystander].map((client) => client.hello()));
    const { stats, passwordChecks } = server.directory;
    const verified = stats.argon2Verifications;
    try {
      // Other accounts than the IMAP test's: each account here is guessed for the first time.
      flood.forEach((client, i) => client.write(`AUTH PLAIN ${saslPlain(`flood${FLOOD_ACCOUNTS + i}`, `wrong-${i}`)}\r\n`));
      bystander.write(`AUTH PLAIN ${saslPlain('bystander', PASSWORD)}\r\n`);
      const [answers, official] = await Promise.all([
        Promise.all(flood.map(async (client) => ({ line: await client.reply(30_000), at: performance.now() }))),
        bystander.reply(30_000),
      ]);

      expect(official).toBe('235 2.7.0 Authentication successful');
      expect(answers.map((a) => a.line)).toEqual(Array(count).fill(SMTP_WRONG));
      // The bystander's password was checked over IMAP a moment ago: a login-cache hit, no argon2.
      expect(stats.argon2Verifications - verified).toBe(count);
      expect(passwordChecks.peakInFlight).toBeLessThanOrEqual(CONCURRENCY);
    } finally {
      for (const client of [...flood, bystander]) client.destroy();
    }
  });
});
