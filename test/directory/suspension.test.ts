import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { swaks } from '../smtp/clients.js';
import { cliFor, curl, curlSignIn, imaplibLogin, openPythonSession } from '../helpers/user-sessions.js';

/**
 * Điều 10 suspension over real sockets with real clients: Python imaplib, swaks and curl. The
 * admin suspends and resumes with the CLI in its own process, while the server runs.
 */

// ASCII: imaplib sends LOGIN arguments in ASCII.
const PASSWORD = 'Mat-khau-thu-2026';
let t: TestServer;
let cli: ReturnType<typeof cliFor>;

beforeAll(async () => {
  t = await startTestServer();
  await t.addUser('Nguyễn Văn An', { unit: 'sotttt', address: 'annv', password: PASSWORD });
  await t.addUser('Trần Thị Bình', { unit: 'vpubnd', address: 'binhtt', password: PASSWORD });
  cli = cliFor(t);
});
afterAll(() => t.close());

const imaplib = (user: string) => imaplibLogin(t.ports.imap, user, PASSWORD);
const webSignIn = (user: string, jar: string) => curlSignIn(t.ports.http, user, PASSWORD, jar);

function submit(user: string): Promise<{ code: number; output: string }> {
  return swaks([
    '--server', `127.0.0.1:${t.ports.submission}`, '--tls',
    '--auth', 'PLAIN', '--auth-user', user, '--auth-password', PASSWORD,
    '--from', user, '--to', 'binhtt@cantho.gov.vn', '--header', 'Subject: thu cong vu', '--body', 'Xin chao',
  ]);
}

function deliverFromOutside(to: string, port = t.ports.mx): Promise<{ code: number; output: string }> {
  return swaks(['--server', `127.0.0.1:${port}`, '--from', 'ban@example.org', '--to', to, '--header', 'Subject: tu ben ngoai', '--body', 'Xin chao']);
}

describe('unit suspend / resume (Điều 10)', () => {
  it('refuses the members of a suspended unit over IMAP, SMTP and web, ends their open sessions, and still accepts their inbound mail', async () => {
    // Before: all three work.
    expect(await imaplib('annv')).toBe('login OK');
    expect((await submit('annv@cantho.gov.vn')).output).toContain('<~  250 2.6.0 Message accepted for delivery');
    const jarBefore = path.join(t.dataDir, 'jar-before.txt');
    expect(await webSignIn('annv', jarBefore)).toMatchObject({ status: 303, location: expect.stringMatching(/\/tra-cuu$/) });
    const imapBefore = await openPythonSession('imap', t.ports.imap, 'annv@cantho.gov.vn', PASSWORD);
    const smtpBefore = await openPythonSession('smtp', t.ports.submission, 'annv@cantho.gov.vn', PASSWORD);

    const suspended = await cli(['unit', 'suspend', 'sotttt', '--reason', 'phát tán thư rác nhiều lần', '--doc', '15/QĐ-STTTT']);
    expect(suspended).toMatchObject({ code: 0, stdout: 'suspended sotttt@cantho.gov.vn\n' });

    // Sessions opened before end at their next command: the server saw the CLI's commit.
    await expect.poll(async () => (await curl(['-b', jarBefore, `http://127.0.0.1:${t.ports.http}/tra-cuu`])).status, { timeout: 5000 }).toBe(303);
    expect(await imapBefore.next()).toMatch(/^noop BYE/);
    expect(await smtpBefore.next()).toBe(
      'mail 530 5.7.0 Authentication no longer valid: password reset, account retired or unit suspended; contact the administrator',
    );

    expect(await imaplib('annv')).toBe("login NO b'[AUTHENTICATIONFAILED] Mail service for your unit is suspended; contact the IT centre'");
    const smtp = await submit('annv@cantho.gov.vn');
    expect(smtp.output).toContain('<~* 535 5.7.8 Authentication refused: the unit of this account is suspended, contact the administrator');
    expect(smtp.output).not.toContain('250 2.6.0');
    const web = await webSignIn('annv', path.join(t.dataDir, 'jar-1.txt'));
    expect(web.status).toBe(403);
    expect(web.body).toContain('Dịch vụ thư điện tử của đơn vị bạn đang bị tạm ngừng.');

    // Other units are not touched; mail for the suspended unit's members is still accepted.
    expect(await imaplib('binhtt')).toBe('login OK');
    expect((await deliverFromOutside('annv@cantho.gov.vn')).output).toContain('<-  250 2.6.0 Message accepted for delivery');

    // The refusals are in the audit log with protocol, IP and client.
    const fails = t.directory.queryAudit({ subject: 'annv@cantho.gov.vn' }).filter((r) => r.action === 'login.fail');
    expect(fails.map((r) => (r.detail as { protocol: string; reason: string }).protocol).sort()).toEqual(['imap', 'smtp', 'web']);
    expect(fails.every((r) => (r.detail as { ip: string; reason: string }).ip === '127.0.0.1' && (r.detail as { reason: string }).reason === 'suspended')).toBe(true);
    expect(fails.find((r) => (r.detail as { protocol: string }).protocol === 'smtp')!.detail).toMatchObject({ clientId: expect.stringMatching(/^ehlo /) });
    expect(fails.find((r) => (r.detail as { protocol: string }).protocol === 'web')!.detail).toMatchObject({ clientId: expect.stringMatching(/^curl\//) });

    expect(await cli(['unit', 'resume', 'sotttt', '--doc', '16/QĐ-STTTT'])).toMatchObject({ code: 0, stdout: 'resumed sotttt@cantho.gov.vn\n' });
    expect(await imaplib('annv')).toBe('login OK');
    expect((await submit('annv@cantho.gov.vn')).output).toContain('<~  250 2.6.0 Message accepted for delivery');
    expect(await webSignIn('annv', path.join(t.dataDir, 'jar-2.txt'))).toMatchObject({ status: 303 });
    const audit = t.directory.queryAudit({ subject: 'sotttt@cantho.gov.vn' }).map((r) => `${r.action} ${r.doc}`);
    expect(audit.slice(-2)).toEqual(['unit.suspend 15/QĐ-STTTT', 'unit.resume 16/QĐ-STTTT']);
  });

  it('refuses inbound mail for a suspended unit with 550 5.2.1 when policy.suspended_unit_receives is false', async () => {
    const strict = await startTestServer({ config: { policy: { suspended_unit_receives: false } } });
    try {
      await strict.addUser('Nguyễn Văn An', { unit: 'sotttt', address: 'annv' });
      strict.directory.admin.suspendUnit('sotttt', 'vi phạm nghiêm trọng', { actor: 'cli:test', doc: '17/QĐ' });
      const result = await deliverFromOutside('annv@cantho.gov.vn', strict.ports.mx);
      expect(result.output).toContain('<** 550 5.2.1 Mailbox disabled, not accepting messages');
      expect((await deliverFromOutside('sotttt@cantho.gov.vn', strict.ports.mx)).output).toContain('<** 550 5.2.1 Mailbox disabled, not accepting messages');
    } finally {
      await strict.close();
    }
  });
});
