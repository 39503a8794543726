import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dkimVerify } from 'mailauth';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TEST_DOC } from '../helpers/server.js';
import { python, swaks } from './clients.js';
import { ANNV, BINHTT, PASSWORD, startHarness, startInternet, tableResolver, UNIT, waitFor, type DnsTable, type Harness, type Internet } from './harness.js';
import { RawSmtp } from './raw-client.js';

let h: Harness;
let internet: Internet;
let keyDir: string;
let dns: DnsTable;

beforeAll(async () => {
  internet = await startInternet();
  keyDir = mkdtempSync(path.join(os.tmpdir(), 'cm-'));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(path.join(keyDir, 'dkim.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  dns = {
    'example.org MX': [{ exchange: 'mx.example.org', priority: 10 }],
    'mx.example.org A': ['127.0.0.1'],
    'sel._domainkey.cantho.gov.vn TXT': [[`v=DKIM1; k=rsa; p=${p}`]],
  };
  h = await startHarness({
    dns,
    config: {
      smtp: { user_max_recipients: 3, user_messages_per_hour: 1000 },
      dkim: { selector: 'sel', private_key: path.join(keyDir, 'dkim.pem') },
      http: { public_url: 'https://mail.cantho.gov.vn/tai-khoan' },
    },
    smtp: { queueWorker: { mxPort: internet.port, pollIntervalMs: 100 } },
  });
});
afterAll(async () => {
  await h.close();
  await internet.close();
  rmSync(keyDir, { recursive: true, force: true });
});

const auth = ['--auth', 'LOGIN', '--auth-user', 'annv', '--auth-password', PASSWORD];

/** A submission session after STARTTLS and AUTH PLAIN as `login`. */
async function authenticated(login = 'annv@cantho.gov.vn'): Promise<RawSmtp> {
  const client = await RawSmtp.connect(h.submission);
  await client.hello();
  await client.startTls();
  await client.command('EHLO client.example.org');
  const token = Buffer.from(`\0${login}\0${PASSWORD}`).toString('base64');
  expect(await client.command(`AUTH PLAIN ${token}`)).toBe('235 2.7.0 Authentication successful');
  return client;
}

describe('submission', () => {
  test('AUTH before STARTTLS is refused with 530 5.7.0, and MAIL without AUTH too', async () => {
    const client = await RawSmtp.connect(h.submission);
    const ehlo = await client.hello();
    expect(ehlo).toContain('250-STARTTLS');
    expect(ehlo).not.toContain('AUTH');
    expect(await client.command('AUTH PLAIN AGFubnYAeA==')).toBe('530 5.7.0 Must issue a STARTTLS command first');
    expect(await client.command('MAIL FROM:<annv@cantho.gov.vn>')).toBe('530 5.7.0 Authentication required');
    await client.quit();
  });

  test('swaks --tls with AUTH delivers to a local and, through the test resolver, a remote recipient (DKIM-signed)', async () => {
    const before = (await h.messages(BINHTT)).length;
    const result = await swaks([
      '--server', `127.0.0.1:${h.submission}`, '--tls', ...auth,
      '--from', 'annv@cantho.gov.vn', '--to', 'binhtt@cantho.gov.vn,friend@example.org',
      '--header', 'Subject: swaks submission', '--body', 'Xin chao',
    ]);
    expect(result.output).toContain('<~  235 2.7.0 Authentication successful');
    expect(result.output).toContain('<~  250 2.6.0 Message accepted for delivery');
    const local = (await h.messages(BINHTT)).slice(before);
    expect(local).toHaveLength(1);
    expect(local[0]!.toString()).toMatch(/^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby mail\.cantho\.gov\.vn \(cantho-mail\) with ESMTPSA/);

    const remote = await waitFor(() => internet.received.find((m) => m.to.includes('friend@example.org')));
    expect(remote.from).toBe('annv@cantho.gov.vn');
    expect(remote.secure).toBe(true);
    const text = remote.raw.toString();
    expect(text).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=cantho\.gov\.vn;/);
    expect(text).toContain('Subject: swaks submission');
    const verified = await dkimVerify(remote.raw, { resolver: tableResolver(dns) as never });
    expect(verified.results.map((r) => [r.signingDomain, r.status.result]), JSON.stringify(verified.results)).toEqual([['cantho.gov.vn', 'pass']]);
    expect(await h.ctx.queue.list()).toEqual([]);
  });

  test('Python smtplib on implicit TLS (submissions) with AUTH PLAIN', async () => {
    const before = (await h.messages(BINHTT)).length;
    const result = await python(`
import smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP_SSL('127.0.0.1', ${h.submissions}, context=ctx)
s.login('annv', '${PASSWORD}')
print('refused', s.sendmail('annv@cantho.gov.vn', ['binhtt@cantho.gov.vn'], b'From: annv@cantho.gov.vn\\r\\nTo: binhtt@cantho.gov.vn\\r\\nSubject: smtplib 465\\r\\n\\r\\nhi\\r\\n'))
s.quit()
`);
    expect(result.output.trim()).toBe('refused {}');
    expect((await h.messages(BINHTT)).slice(before)).toHaveLength(1);
  });

  test('sending as another official: 553 5.7.1 at MAIL FROM and for the From: header', async () => {
    const client = await authenticated();
    expect(await client.command('MAIL FROM:<binhtt@cantho.gov.vn>')).toBe('553 5.7.1 Sender address not allowed for this login');
    expect(await client.command('MAIL FROM:<>')).toBe('553 5.7.1 Sender address not allowed for this login');
    expect(await client.command('MAIL FROM:<annv@cantho.gov.vn>')).toBe('250 2.1.0 Accepted');
    expect(await client.command('RCPT TO:<binhtt@cantho.gov.vn>')).toBe('250 2.1.5 Accepted');
    expect(await client.command('DATA')).toMatch(/^354 /);
    client.write('From: =?UTF-8?Q?B=C3=ACnh?= <binhtt@cantho.gov.vn>\r\nSubject: forged\r\n\r\nhi\r\n');
    expect(await client.command('.')).toBe('553 5.7.1 From: header address not allowed for this login');
    await client.quit();
  });

  test('swaks as another official is refused with 553', async () => {
    const result = await swaks(['--server', `127.0.0.1:${h.submission}`, '--tls', ...auth, '--from', 'binhtt@cantho.gov.vn', '--to', 'binhtt@cantho.gov.vn']);
    expect(result.output).toContain('<~* 553 5.7.1 Sender address not allowed for this login');
  });

  test("a display name that reads as another official's address is refused with 553 5.7.1", async () => {
    const refused = "553 5.7.1 From: display name contains another official's address, not allowed for this login";
    const cases = [
      '"annv@cantho.gov.vn" <binhtt@cantho.gov.vn>',
      // The same in an RFC 2047 encoded word, and with the domain in capitals.
      '=?UTF-8?B?' + Buffer.from('Nguyễn Văn An ANNV@CANTHO.GOV.VN').toString('base64') + '?= <binhtt@cantho.gov.vn>',
      '"annv＠ｃａｎｔｈｏ.gov.vn" <binhtt@cantho.gov.vn>',
      '"An: annv@cantho.gov.vn—Văn phòng" <binhtt@cantho.gov.vn>',
    ];
    for (const from of cases) {
      const client = await authenticated('binhtt@cantho.gov.vn');
      expect(await client.command('MAIL FROM:<binhtt@cantho.gov.vn>')).toBe('250 2.1.0 Accepted');
      expect(await client.command('RCPT TO:<annv@cantho.gov.vn>')).toBe('250 2.1.5 Accepted');
      expect(await client.command('DATA')).toMatch(/^354 /);
      client.write(`From: ${from}\r\nSubject: spoof\r\n\r\nhi\r\n`);
      expect(await client.command('.'), from).toBe(refused);
      await client.quit();
    }
  });

  test('a display name with the sender\'s own or an outside address is accepted', async () => {
    for (const from of ['"binhtt@cantho.gov.vn" <binhtt@cantho.gov.vn>', '"Bình (binh@example.org)" <binhtt@cantho.gov.vn>']) {
      const client = await authenticated('binhtt@cantho.gov.vn');
      await client.command('MAIL FROM:<binhtt@cantho.gov.vn>');
      await client.command('RCPT TO:<annv@cantho.gov.vn>');
      await client.command('DATA');
      client.write(`From: ${from}\r\nSubject: own\r\n\r\nhi\r\n`);
      expect(await client.command('.'), from).toBe('250 2.6.0 Message accepted for delivery');
      await client.quit();
    }
  });

  test('sending as a unit adds Sender: with the person (RFC 5322 §3.6.2) and replaces a client Sender:', async () => {
    const before = (await h.messages(BINHTT)).length;
    const client = await authenticated();
    expect(await client.command('MAIL FROM:<vpubnd@cantho.gov.vn>')).toBe('250 2.1.0 Accepted');
    await client.command('RCPT TO:<binhtt@cantho.gov.vn>');
    await client.command('DATA');
    client.write('From: =?UTF-8?Q?V=C4=83n_ph=C3=B2ng?= <vpubnd@cantho.gov.vn>\r\nSender: someone@else.example\r\nSubject: unit\r\n\r\nhi\r\n');
    expect(await client.command('.')).toBe('250 2.6.0 Message accepted for delivery');
    await client.quit();
    const text = (await h.messages(BINHTT)).slice(before)[0]!.toString();
    expect(text.match(/^Sender:.*$/gm)).toEqual(['Sender: =?UTF-8?Q?Nguy=E1=BB=85n_V=C4=83n_An?= <annv@cantho.gov.vn>']);
    expect(UNIT).toBe('vpubnd@cantho.gov.vn');
  });

  test('wrong password, retired person and password to change: 535 5.7.8', async () => {
    const cases: Array<[string, string, string]> = [
      ['annv', 'wrong-password-123', '535 5.7.8 Authentication credentials invalid'],
      ['nobody', 'whatever-password', '535 5.7.8 Authentication credentials invalid'],
      ['cuonglv', `${PASSWORD}-initial`, '535 5.7.8 Password must be changed before use: https://mail.cantho.gov.vn/tai-khoan/doi-mat-khau'],
      ['dungpv', `${PASSWORD}-initial`, '535 5.7.8 Authentication credentials invalid: this account is retired'],
    ];
    for (const [login, password, reply] of cases) {
      const client = await RawSmtp.connect(h.submissions, { tls: true });
      await client.hello();
      expect(await client.command(`AUTH PLAIN ${Buffer.from(`\0${login}\0${password}`).toString('base64')}`)).toBe(reply);
      await client.quit();
    }
  });

  test('after STARTTLS, EHLO announces AUTH PLAIN LOGIN', async () => {
    const client = await RawSmtp.connect(h.submission);
    await client.hello();
    expect(await client.startTls()).toBe('220 2.0.0 Ready to start TLS');
    expect((await client.command('EHLO client.example.org')).split('\n')).toContain('250-AUTH PLAIN LOGIN');
    await client.quit();
  });

  test('AUTH brute force against one account is slowed down', async () => {
    const client = await RawSmtp.connect(h.submissions, { tls: true });
    await client.hello();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const reply = await client.command(`AUTH PLAIN ${Buffer.from(`\0binhtt\0guess-${i}-password`).toString('base64')}`);
      times.push(Date.now() - started);
      expect(reply).toBe('535 5.7.8 Authentication credentials invalid');
    }
    expect(times[4]!).toBeGreaterThanOrEqual(400);
    expect(times[4]!).toBeGreaterThan(times[0]!);
    await client.quit();
  });

  test('per-user recipient limit: 450 4.7.1 and a violation recorded', async () => {
    const client = await authenticated();
    await client.command('MAIL FROM:<annv@cantho.gov.vn>');
    for (const r of ['a', 'b', 'c']) expect(await client.command(`RCPT TO:<${r}@example.org>`)).toBe('250 2.1.5 Accepted');
    expect(await client.command('RCPT TO:<d@example.org>')).toBe('450 4.7.1 Recipient limit of 3 per message reached');
    await client.command('RSET');
    await client.quit();
    expect(h.directory.admin.listViolations('annv').map((v) => v.reason)).toContain('SMTP recipient-limit: more than 3 recipients in one message');
  });

  test('outbound spam is refused with 554 and recorded as a violation', async () => {
    const client = await authenticated('binhtt');
    await client.command('MAIL FROM:<binhtt@cantho.gov.vn>');
    await client.command('RCPT TO:<someone@example.org>');
    await client.command('DATA');
    client.write('From: binhtt@cantho.gov.vn\r\nSubject: offer\r\n\r\nrejectword\r\n');
    expect(await client.command('.')).toBe('554 5.7.1 Message refused as spam (score 20)');
    await client.quit();
    expect(h.directory.admin.listViolations('binhtt').map((v) => [v.source, v.serious, v.reason])).toEqual([['filter', false, 'sent spam (score 20: TEST_REJECT=20)']]);
  });

  test('nodemailer sends 100 messages over a pool into the MX', async () => {
    const before = (await h.messages(BINHTT)).length;
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: h.mx, pool: true, maxConnections: 5, secure: false, ignoreTLS: true });
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        transport.sendMail({ from: 'bulk@example.org', to: 'binhtt@cantho.gov.vn', subject: `bulk ${i}`, text: `message ${i}` }),
      ),
    );
    transport.close();
    // The INBOX may also get the directory's violation warnings (src/notices) meanwhile.
    const subjects = (await h.messages(BINHTT))
      .slice(before)
      .map((m) => /^Subject: (.*)$/m.exec(m.toString())![1]!.trim())
      .filter((s) => s.startsWith('bulk '));
    expect(subjects.sort()).toEqual(Array.from({ length: 100 }, (_, i) => `bulk ${i}`).sort());
  });

  // Last: suspends the unit everyone here belongs to.
  test('a member of a suspended unit cannot log in: 535 5.7.8', async () => {
    h.directory.admin.suspendUnit('vpubnd', 'Điều 10 test', { actor: 'cli:test', doc: TEST_DOC });
    const client = await RawSmtp.connect(h.submissions, { tls: true });
    await client.hello();
    expect(await client.command(`AUTH PLAIN ${Buffer.from(`\0binhtt\0${PASSWORD}`).toString('base64')}`)).toBe(
      '535 5.7.8 Authentication refused: the unit of this account is suspended, contact the administrator',
    );
    await client.quit();
  });
});

test('messages per hour: 450 4.7.1 at MAIL FROM once the limit is reached, recorded once', async () => {
  const limited = await startHarness({ config: { smtp: { user_messages_per_hour: 2 } }, smtp: { queueWorker: false } });
  try {
    const client = await RawSmtp.connect(limited.submission);
    await client.hello();
    await client.startTls();
    await client.command('EHLO c');
    await client.command(`AUTH PLAIN ${Buffer.from(`\0annv\0${PASSWORD}`).toString('base64')}`);
    for (let i = 0; i < 2; i++) {
      await client.command('MAIL FROM:<annv@cantho.gov.vn>');
      await client.command('RCPT TO:<binhtt@cantho.gov.vn>');
      await client.command('DATA');
      expect(await client.command(`From: annv@cantho.gov.vn\r\nSubject: ${i}\r\n\r\nx\r\n.`)).toBe('250 2.6.0 Message accepted for delivery');
    }
    expect(await client.command('MAIL FROM:<annv@cantho.gov.vn>')).toBe('450 4.7.1 Sending limit of 2 messages per hour reached, try again later');
    expect(await client.command('MAIL FROM:<annv@cantho.gov.vn>')).toBe('450 4.7.1 Sending limit of 2 messages per hour reached, try again later');
    await client.quit();
    expect(limited.directory.admin.listViolations('annv').map((v) => [v.source, v.reason])).toEqual([
      ['rate-limit', 'SMTP rate-limit: more than 2 messages per hour'],
    ]);
    expect(ANNV).toBe('annv@cantho.gov.vn');
  } finally {
    await limited.close();
  }
});
