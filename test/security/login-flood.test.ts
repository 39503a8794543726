/**
 * Security review, login flood from one address (issue 7 "Login protection"): the directory lets
 * each client IP run at most two password checks (argon2) at once, for IMAP, SMTP and web alike
 * (src/directory/throttle.ts). Fifty LOGINs / nineteen AUTHs sent at once from 127.0.0.1 to fifty
 * accounts with production-cost hashes (argon2id 19 MiB, so the checks really overlap): two are
 * checked and refused as wrong, the rest are answered at once, before either check ends, with
 * IMAP `NO [UNAVAILABLE]` (RFC 5530 §3) / SMTP `454 4.7.0` (RFC 4954 §6); meanwhile an official
 * on 127.0.0.2 logs in as usual.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LocalPart } from '../../src/directory/address.js';
import { PRODUCTION_ARGON2, hashPassword, writePasswordHash } from '../../src/directory/password.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { RawClient } from '../imap/support.js';
import { RawSmtp } from '../smtp/raw-client.js';
import { saslPlain } from './support.js';

const PASSWORD = 'Login-flood-review-2026';
const FLOOD_ACCOUNTS = 50;
/** src/directory/throttle.ts DEFAULT_THROTTLE.maxChecksPerIp. */
const CHECKS_PER_IP = 2;
const IMAP_BUSY = 'l NO [UNAVAILABLE] Too many logins at once from your address; try again in a moment';
const IMAP_WRONG = 'l NO [AUTHENTICATIONFAILED] Invalid credentials';
const SMTP_BUSY = '454 4.7.0 Too many logins at once from your address, try again in a moment';
const SMTP_WRONG = '535 5.7.8 Authentication credentials invalid';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ smtp: { queueWorker: false } });
  await server.addUser('Người Ngoài', { address: 'bystander', password: PASSWORD });
  const slowHash = await hashPassword(PASSWORD, PRODUCTION_ARGON2);
  const { context } = server.directory;
  for (let i = 0; i < FLOOD_ACCOUNTS; i++) {
    await server.addUser('Người Thử', { address: `flood${i}`, password: PASSWORD });
    writePasswordHash(context, context.records.personByLocal(`flood${i}` as LocalPart)!.id, slowHash, { mustChange: false });
  }
}, 60_000);
afterAll(() => server.close());

interface Answer {
  readonly line: string;
  readonly at: number;
}

/** Answers refused at once all came before the first answer that needed a password check. */
function busyFirst(answers: readonly Answer[], busy: string): boolean {
  const checked = answers.filter((a) => a.line !== busy).map((a) => a.at);
  return answers.filter((a) => a.line === busy).every((a) => a.at < Math.min(...checked));
}

describe('login flood from one IP', () => {
  test(`IMAP: of ${FLOOD_ACCOUNTS} simultaneous LOGINs from 127.0.0.1, ${CHECKS_PER_IP} are checked, the rest get NO [UNAVAILABLE] at once; 127.0.0.2 logs in`, async () => {
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
      expect(answers.filter((a) => a.line === IMAP_WRONG)).toHaveLength(CHECKS_PER_IP);
      expect(answers.filter((a) => a.line === IMAP_BUSY)).toHaveLength(FLOOD_ACCOUNTS - CHECKS_PER_IP);
      expect(busyFirst(answers, IMAP_BUSY)).toBe(true);
      // Two argon2 runs for the flood and one for the bystander; never more than that at once.
      expect(stats.argon2Verifications - verified).toBe(CHECKS_PER_IP + 1);
      expect(passwordChecks.busy - busy).toBe(FLOOD_ACCOUNTS - CHECKS_PER_IP);
      expect(passwordChecks.peakInFlight).toBeLessThanOrEqual(CHECKS_PER_IP + 1);
      expect(passwordChecks.inFlight).toBe(0);
    } finally {
      for (const client of [...flood, bystander]) client.close();
    }
  }, 60_000);

  test(`SMTP: of 19 simultaneous AUTHs from 127.0.0.1, ${CHECKS_PER_IP} are checked, the rest get 454 4.7.0 at once; 127.0.0.2 authenticates`, async () => {
    // 19: below smtp.max_connections_per_ip (100 by default), so every connection is served.
    const count = 19;
    const flood = await Promise.all(Array.from({ length: count }, () => RawSmtp.connect(server.ports.submissions, { tls: true, localAddress: '127.0.0.1' })));
    const bystander = await RawSmtp.connect(server.ports.submissions, { tls: true, localAddress: '127.0.0.2' });
    await Promise.all([...flood, bystander].map((client) => client.hello()));
    const { stats, passwordChecks } = server.directory;
    const verified = stats.argon2Verifications;
    try {
      // Other accounts than the IMAP test's: each account here is guessed for the first time.
      flood.forEach((client, i) => client.write(`AUTH PLAIN ${saslPlain(`flood${FLOOD_ACCOUNTS - 1 - i}`, `wrong-${i}`)}\r\n`));
      bystander.write(`AUTH PLAIN ${saslPlain('bystander', PASSWORD)}\r\n`);
      const [answers, official] = await Promise.all([
        Promise.all(flood.map(async (client) => ({ line: await client.reply(30_000), at: performance.now() }))),
        bystander.reply(30_000),
      ]);

      expect(official).toBe('235 2.7.0 Authentication successful');
      expect(answers.filter((a) => a.line === SMTP_WRONG)).toHaveLength(CHECKS_PER_IP);
      expect(answers.filter((a) => a.line === SMTP_BUSY)).toHaveLength(count - CHECKS_PER_IP);
      expect(busyFirst(answers, SMTP_BUSY)).toBe(true);
      // The bystander's password was checked over IMAP a moment ago: a login-cache hit, no argon2.
      expect(stats.argon2Verifications - verified).toBe(CHECKS_PER_IP);
      expect(passwordChecks.peakInFlight).toBeLessThanOrEqual(CHECKS_PER_IP + 1);
    } finally {
      for (const client of [...flood, bystander]) client.destroy();
    }
  }, 60_000);
});
