import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { swaks } from '../smtp/clients.js';
import { curlSignIn, imaplibLogin } from '../helpers/user-sessions.js';

/**
 * Login protection across protocols (docs/architecture.md "Login protection"): one failure counter per account for IMAP, SMTP
 * and web, a lock that then refuses the right password on all three, and every login, failure
 * and lock in the audit log with protocol, IP and client. Real clients: imaplib, swaks, curl.
 */

const PASSWORD = 'Mat-khau-thu-2026';
let t: TestServer;

beforeAll(async () => {
  // Four guesses lock the account (the first wait, 0.5 s, comes with the fourth).
  t = await startTestServer({ config: { policy: { login_failures_before_delay: 4, login_failures_before_lock: 4, login_lock: '15m' } } });
  await t.addUser('Nguyễn Văn An', { address: 'annv', password: PASSWORD });
  await t.addUser('Trần Thị Bình', { address: 'binhtt', password: PASSWORD });
});
afterAll(() => t.close());

const imaplib = (user: string, password: string) => imaplibLogin(t.ports.imap, user, password, 'imaplib-test');

async function smtpAuth(user: string, password: string): Promise<string> {
  const result = await swaks(['--server', `127.0.0.1:${t.ports.submission}`, '--tls', '--quit-after', 'AUTH', '--auth', 'PLAIN', '--auth-user', user, '--auth-password', password]);
  return result.output.split('\n').find((line) => /^<~\*? +(235|535|454) /.test(line)) ?? result.output;
}

const webSignIn = (user: string, password: string) => curlSignIn(t.ports.http, user, password, path.join(t.dataDir, `jar-${user}-${Math.random()}.txt`));

describe('login protection across IMAP, SMTP and web', () => {
  it('counts wrong passwords from every protocol together, locks, refuses the right one everywhere, and audits it all', async () => {
    expect(await imaplib('annv', 'sai-mat-khau-1')).toBe("login NO b'[AUTHENTICATIONFAILED] Invalid credentials'");
    expect(await smtpAuth('annv@cantho.gov.vn', 'sai-mat-khau-2')).toBe('<~* 535 5.7.8 Authentication credentials invalid');
    expect((await webSignIn('annv', 'sai-mat-khau-3')).status).toBe(403);
    // The fourth guess locks the account.
    expect(await imaplib('annv', 'sai-mat-khau-4')).toBe("login NO b'[AUTHENTICATIONFAILED] Invalid credentials'");

    // Locked answers come late (throttle maxDelayMs): ask all three at once.
    const [imap, smtp, web] = await Promise.all([imaplib('annv', PASSWORD), smtpAuth('annv', PASSWORD), webSignIn('annv', PASSWORD)]);
    expect(imap).toBe("login NO b'[AUTHENTICATIONFAILED] Too many failed logins; try again later'");
    expect(smtp).toBe('<~* 454 4.7.0 Too many failed logins, try again later');
    expect(web.status).toBe(429);
    expect(web.body).toContain('Đăng nhập tạm thời bị khóa vì nhập sai mật khẩu nhiều lần.');

    // The same office IP still serves another official (an IP gets ten times an account's allowance).
    expect(await imaplib('binhtt', PASSWORD)).toBe('login OK');

    const rows = t.directory.queryAudit({ subject: 'annv@cantho.gov.vn' }).filter((r) => r.action.startsWith('login.'));
    expect(rows.map((r) => [r.action, r.detail])).toEqual([
      ['login.fail', { protocol: 'imap', ip: '127.0.0.1', clientId: 'imaplib-test', reason: 'bad-credentials' }],
      ['login.fail', { protocol: 'smtp', ip: '127.0.0.1', clientId: expect.stringMatching(/^ehlo \S+$/), reason: 'bad-credentials' }],
      ['login.fail', { protocol: 'web', ip: '127.0.0.1', clientId: expect.stringMatching(/^curl\//), reason: 'bad-credentials' }],
      ['login.lock', { protocol: 'imap', ip: '127.0.0.1', clientId: 'imaplib-test', lockMs: 900_000 }],
      ['login.fail', { protocol: 'imap', ip: '127.0.0.1', clientId: 'imaplib-test', reason: 'bad-credentials' }],
    ]);
    // Refusals while locked are not written one by one: a flood must not fill the log (the lock row says it all).
    const ok = t.directory.queryAudit({ subject: 'binhtt@cantho.gov.vn' }).filter((r) => r.action === 'login.ok');
    expect(ok.map((r) => r.detail)).toEqual([{ protocol: 'imap', ip: '127.0.0.1', clientId: 'imaplib-test' }]);
  });
});
