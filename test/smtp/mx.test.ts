import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ANNV, BINHTT, startHarness, type Harness } from './harness.js';
import { python, swaks } from './clients.js';
import { RawSmtp } from './raw-client.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    config: {
      smtp: { max_message_size: '64KB', max_recipients: 3, max_connections_per_ip: 4, max_commands_before_data: 20, idle_timeout: '2s' },
    },
  });
});
afterAll(() => h.close());

/** A session up to DATA's 354. */
async function openData(client: RawSmtp, to = 'annv@cantho.gov.vn'): Promise<void> {
  await client.hello();
  expect(await client.command('MAIL FROM:<sender@example.org>')).toBe('250 2.1.0 Accepted');
  expect(await client.command(`RCPT TO:<${to}>`)).toBe('250 2.1.5 Accepted');
  expect(await client.command('DATA')).toBe('354 End data with <CR><LF>.<CR><LF>');
}

describe('MX listener', () => {
  test('announces the ESMTP extensions and no AUTH', async () => {
    const client = await RawSmtp.connect(h.mx);
    const ehlo = await client.hello();
    expect(ehlo.split('\n')).toEqual([
      '250-mail.cantho.gov.vn Nice to meet you, [127.0.0.1]',
      '250-PIPELINING',
      '250-8BITMIME',
      '250-SMTPUTF8',
      '250-ENHANCEDSTATUSCODES',
      '250-STARTTLS',
      '250 SIZE 65536',
    ]);
    expect(await client.command('AUTH PLAIN AGFubnYAeA==')).toBe('500 5.5.2 Error: command not recognized');
    await client.quit();
  });

  test('swaks to annv@cantho.gov.vn is accepted and stored once, with Received and Authentication-Results', async () => {
    const before = (await h.messages(ANNV)).length;
    const result = await swaks(['--server', `127.0.0.1:${h.mx}`, '--from', 'someone@example.org', '--to', 'annv@cantho.gov.vn', '--header', 'Subject: swaks MX test']);
    expect(result.output).toContain('<-  250 2.6.0 Message accepted for delivery');
    const messages = (await h.messages(ANNV)).slice(before);
    expect(messages).toHaveLength(1);
    const text = messages[0]!.toString();
    expect(text).toMatch(/^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby mail\.cantho\.gov\.vn \(cantho-mail\) with ESMTP id \w+\.1\r\n\tfor <annv@cantho\.gov\.vn>;/m);
    expect(text).toMatch(/^Authentication-Results: mail\.cantho\.gov\.vn;\r\n dkim=none/m);
    expect(text).toContain('Subject: swaks MX test');
  });

  test('Python smtplib over STARTTLS delivers to two local recipients with one stored body', async () => {
    const result = await python(`
import smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP('127.0.0.1', ${h.mx}, local_hostname='mx.example.org')
s.starttls(context=ctx)
s.ehlo('mx.example.org')
refused = s.sendmail('news@example.org', ['annv@cantho.gov.vn', 'binhtt@cantho.gov.vn'], b'From: news@example.org\\r\\nSubject: smtplib tls\\r\\n\\r\\nXin ch\\xc3\\xa0o\\r\\n')
print('refused', refused)
s.quit()
`);
    expect(result.output.trim()).toBe('refused {}');
    const a = (await h.messages(ANNV)).at(-1)!;
    const b = (await h.messages(BINHTT)).at(-1)!;
    expect(a.toString()).toContain('with ESMTPS (TLSv1.3');
    expect(a.equals(b)).toBe(true);
    expect(a.toString()).toContain('Xin chào');
  });

  test.each([
    ['outside@example.org', '550 5.7.1 Relaying denied'],
    ['user%example.org@cantho.gov.vn', '550 5.7.1 Relaying denied: source routing in the address is not accepted'],
    // smtp-server's own address check refuses these two before our policy sees them.
    ['"user@example.org"@cantho.gov.vn', '501 5.1.3 Error: Bad recipient address syntax'],
    ['@a.example:user@b.example', '550 5.7.1 Relaying denied'],
    ['example.org!user', '501 5.1.3 Error: Bad recipient address syntax'],
    ['example.org!user@cantho.gov.vn', '550 5.7.1 Relaying denied: source routing in the address is not accepted'],
    ['user%example.org@example.net', '550 5.7.1 Relaying denied: source routing in the address is not accepted'],
    ['annv@[127.0.0.1]', '550 5.7.1 Relaying denied'],
  ])('refuses to relay for an unauthenticated client: RCPT TO:<%s>', async (address, reply) => {
    const client = await RawSmtp.connect(h.mx);
    await client.hello();
    await client.command('MAIL FROM:<spammer@example.org>');
    expect(await client.command(`RCPT TO:<${address}>`)).toBe(reply);
    expect(await client.command('DATA')).toBe('503 5.5.1 Error: need RCPT command');
    await client.quit();
  });

  test('swaks relay attempt is refused', async () => {
    const result = await swaks(['--server', `127.0.0.1:${h.mx}`, '--from', 'a@example.org', '--to', 'victim@example.net']);
    expect(result.output).toContain('<** 550 5.7.1 Relaying denied');
    expect(result.code).not.toBe(0);
  });

  test.each([
    ['nobody@cantho.gov.vn', '550 5.1.1 Mailbox unavailable: no such user here'],
    ['dungpv@cantho.gov.vn', '550 5.1.1 Mailbox unavailable: no such user here'],
    ['not an address', '501 5.1.3 Error: Bad recipient address syntax'],
    ['a(b)@example.org', '553 5.1.3 Bad destination mailbox address syntax'],
  ])('refuses RCPT TO:<%s> at RCPT time', async (address, reply) => {
    const client = await RawSmtp.connect(h.mx);
    await client.hello();
    await client.command('MAIL FROM:<a@example.org>');
    expect(await client.command(`RCPT TO:<${address}>`)).toBe(reply);
    await client.quit();
  });

  test('a unit and a local part in capitals are local recipients', async () => {
    const client = await RawSmtp.connect(h.mx);
    await client.hello();
    await client.command('MAIL FROM:<a@example.org>');
    expect(await client.command('RCPT TO:<VPUBND@Cantho.Gov.Vn>')).toBe('250 2.1.5 Accepted');
    expect(await client.command('RCPT TO:<AnNV@cantho.gov.vn>')).toBe('250 2.1.5 Accepted');
    await client.quit();
  });

  test('RCPT TO:<Postmaster> without a domain is accepted (RFC 5321 §4.1.1.3)', async () => {
    const client = await RawSmtp.connect(h.mx);
    await client.hello();
    await client.command('MAIL FROM:<a@example.org>');
    expect(await client.command('RCPT TO:<Postmaster>')).toBe('250 2.1.5 Accepted');
    await client.quit();
  });

  test('more recipients than max_recipients: 452 4.5.3', async () => {
    const client = await RawSmtp.connect(h.mx);
    await client.hello();
    await client.command('MAIL FROM:<a@example.org>');
    for (const r of ['annv', 'binhtt', 'vpubnd']) expect(await client.command(`RCPT TO:<${r}@cantho.gov.vn>`)).toBe('250 2.1.5 Accepted');
    expect(await client.command('RCPT TO:<cuonglv@cantho.gov.vn>')).toBe('452 4.5.3 Too many recipients');
    await client.quit();
  });

  test('commands before HELO, garbage and 10,000-character lines get protocol errors', async () => {
    const client = await RawSmtp.connect(h.mx);
    expect(await client.reply()).toMatch(/^220 mail\.cantho\.gov\.vn ESMTP/);
    expect(await client.command('MAIL FROM:<a@example.org>')).toBe('503 5.5.1 Error: send HELO/EHLO first');
    expect(await client.command('RCPT TO:<annv@cantho.gov.vn>')).toBe('503 5.5.1 Error: send HELO/EHLO first');
    expect(await client.command('\x00\x01garbage \xff')).toBe('500 5.5.2 Error: command not recognized');
    expect(await client.command('X'.repeat(10_000))).toBe('500 5.5.2 Error: command not recognized');
    await client.command('EHLO client.example.org');
    expect(await client.command(`MAIL FROM:<${'a'.repeat(10_000)}@example.org>`)).toMatch(/^5\d\d 5\.\d\.\d /);
    expect(await client.command('NOOP')).toBe('250 2.0.0 OK');
    await client.quit();
  });

  test('SIZE above the limit is refused at MAIL FROM with 552 5.3.4', async () => {
    const client = await RawSmtp.connect(h.mx);
    await client.hello();
    expect(await client.command('MAIL FROM:<a@example.org> SIZE=100000')).toBe('552 5.3.4 Error: message exceeds fixed maximum message size 65536');
    await client.quit();
  });

  test('an oversize message is refused with 552 5.3.4 and the session goes on', async () => {
    const client = await RawSmtp.connect(h.mx);
    const before = (await h.messages(ANNV)).length;
    await openData(client);
    const line = `${'x'.repeat(998)}\r\n`;
    client.write('Subject: big\r\n\r\n');
    for (let i = 0; i < 200; i++) client.write(line);
    expect(await client.command('.')).toBe('552 5.3.4 Message size exceeds fixed maximum message size (65536 bytes)');
    expect(await client.command('NOOP')).toBe('250 2.0.0 OK');
    await client.quit();
    expect(await h.messages(ANNV)).toHaveLength(before);
  });

  test.each([
    ['<LF>.<LF> smuggling', 'Subject: a\r\n\r\nbody\n.\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<binhtt@cantho.gov.vn>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n'],
    ['<LF>.<CR><LF> smuggling', 'Subject: a\r\n\r\nbody\n.\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<binhtt@cantho.gov.vn>\r\nDATA\r\nx\r\n'],
    ['<CR><LF>.<LF> smuggling', 'Subject: a\r\n\r\nbody\r\n.\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<binhtt@cantho.gov.vn>\r\nDATA\r\nx\r\n'],
    ['a bare CR', 'Subject: a\r\n\r\nbody\r.\rMAIL FROM:<evil@example.org>\r\n'],
    ['a bare LF in a header', 'Subject: a\nX-Other: b\r\n\r\nbody\r\n'],
  ])('refuses a message with %s, and runs none of the smuggled commands', async (_name, body) => {
    const before = { annv: (await h.messages(ANNV)).length, binhtt: (await h.messages(BINHTT)).length };
    const client = await RawSmtp.connect(h.mx);
    await openData(client);
    client.write(body);
    expect(await client.command('.')).toBe('554 5.6.0 Message refused: bare <CR> or <LF> in DATA (RFC 5321 section 2.3.8)');
    expect(await client.command('NOOP')).toBe('250 2.0.0 OK');
    await client.quit();
    expect(await h.messages(ANNV)).toHaveLength(before.annv);
    expect(await h.messages(BINHTT)).toHaveLength(before.binhtt);
  });

  test('a client that stops mid-DATA leaves nothing stored and no connection slot taken', async () => {
    const before = (await h.messages(ANNV)).length;
    // max_connections_per_ip is 4: ten aborted sessions would exhaust a leaking counter.
    for (let i = 0; i < 10; i++) {
      const client = await RawSmtp.connect(h.mx);
      await openData(client);
      client.write('Subject: cut\r\n\r\nhalf a mess');
      client.destroy();
      await client.closed;
    }
    await new Promise((r) => setTimeout(r, 100));
    const client = await RawSmtp.connect(h.mx);
    expect(await client.hello()).toMatch(/^250-/);
    await client.quit();
    expect(await h.messages(ANNV)).toHaveLength(before);
  });

  test('a client that resets the connection mid-DATA stores nothing and the server keeps serving', async () => {
    const before = (await h.messages(ANNV)).length;
    const client = await RawSmtp.connect(h.mx);
    await openData(client);
    client.write('Subject: reset\r\n\r\npart');
    await new Promise((r) => setTimeout(r, 50));
    client.reset();
    await client.closed;
    await new Promise((r) => setTimeout(r, 100));
    const next = await RawSmtp.connect(h.mx);
    await openData(next);
    expect(await next.command('Subject: after\r\n\r\nok\r\n.')).toMatch(/^250 2\.6\.0 /);
    await next.quit();
    expect(await h.messages(ANNV)).toHaveLength(before + 1);
  });

  test('connections per IP above the limit get 421 4.7.0', async () => {
    const open = await Promise.all([0, 1, 2, 3].map(() => RawSmtp.connect(h.mx)));
    for (const c of open) expect(await c.reply()).toMatch(/^220 /);
    const extra = await RawSmtp.connect(h.mx);
    expect(await extra.reply()).toBe('421 4.7.0 Too many connections from your address, try again later');
    await extra.closed;
    await Promise.all(open.map((c) => c.quit()));
  });

  test('too many commands without a message: 421 4.7.0 and the connection is closed', async () => {
    const client = await RawSmtp.connect(h.mx);
    await client.hello();
    const replies: string[] = [];
    for (let i = 0; i < 25; i++) {
      const reply = await client.command('NOOP').catch(() => 'closed');
      replies.push(reply);
      if (!reply.startsWith('250')) break;
    }
    expect(replies.at(-1)).toBe('421 4.7.0 Too many commands without a message, closing connection');
    await client.closed;
  });

  test('an idle client is disconnected after idle_timeout', async () => {
    const client = await RawSmtp.connect(h.mx);
    await client.hello();
    expect(await client.reply(5000)).toMatch(/^421 /);
    await client.closed;
  });

  test('SMTPUTF8 and 8BITMIME: a UTF-8 sender and an 8-bit body are stored byte for byte', async () => {
    const client = await RawSmtp.connect(h.mx);
    await client.hello();
    expect(await client.command('MAIL FROM:<người.gửi@ví-dụ.vn> SMTPUTF8 BODY=8BITMIME')).toBe('250 2.1.0 Accepted');
    expect(await client.command('RCPT TO:<binhtt@cantho.gov.vn>')).toBe('250 2.1.5 Accepted');
    expect(await client.command('RCPT TO:<bình@cantho.gov.vn>')).toBe('550 5.1.1 Mailbox unavailable: no such user here');
    await client.command('DATA');
    const body = 'From: Người Gửi <người.gửi@ví-dụ.vn>\r\nSubject: Thư tiếng Việt\r\n\r\nĐây là thư 8 bit: đ Đ ư ơ\r\n';
    client.write(body);
    expect(await client.command('.')).toMatch(/^250 2\.6\.0 /);
    await client.quit();
    expect((await h.messages(BINHTT)).at(-1)!.toString('utf8').endsWith(body)).toBe(true);
  });

  test('PIPELINING: a whole transaction in one write gets its replies in order', async () => {
    const client = await RawSmtp.connect(h.mx);
    await client.hello();
    client.write('MAIL FROM:<p@example.org>\r\nRCPT TO:<nobody@cantho.gov.vn>\r\nRCPT TO:<binhtt@cantho.gov.vn>\r\nDATA\r\n');
    expect([await client.reply(), await client.reply(), await client.reply(), await client.reply()]).toEqual([
      '250 2.1.0 Accepted',
      '550 5.1.1 Mailbox unavailable: no such user here',
      '250 2.1.5 Accepted',
      '354 End data with <CR><LF>.<CR><LF>',
    ]);
    client.write('Subject: pipelined\r\n\r\nok\r\n.\r\nQUIT\r\n');
    expect(await client.reply()).toMatch(/^250 2\.6\.0 Message accepted for delivery/);
    expect(await client.reply()).toMatch(/^221 /);
  });

  test('removes a forged Authentication-Results for our hostname, keeps one of another host', async () => {
    const client = await RawSmtp.connect(h.mx);
    await openData(client, 'binhtt@cantho.gov.vn');
    client.write(
      'Authentication-Results: mail.cantho.gov.vn; dkim=pass header.d=cantho.gov.vn\r\n' +
        'Authentication-Results: MAIL.CANTHO.GOV.VN;\r\n spf=pass\r\n' +
        'Authentication-Results: mx.example.org; spf=pass\r\n' +
        'Subject: forged\r\n\r\nhi\r\n',
    );
    expect(await client.command('.')).toMatch(/^250 2\.6\.0 /);
    await client.quit();
    const text = (await h.messages(BINHTT)).at(-1)!.toString();
    expect(text.match(/^Authentication-Results: mail\.cantho\.gov\.vn;/gim)).toHaveLength(1);
    expect(text).toMatch(/^Authentication-Results: mail\.cantho\.gov\.vn;\r\n dkim=none/m);
    expect(text).toContain('Authentication-Results: mx.example.org; spf=pass\r\n');
  });

  test('filter verdicts: junk goes to Junk, reject is 550 5.7.1', async () => {
    const client = await RawSmtp.connect(h.mx);
    await openData(client, 'binhtt@cantho.gov.vn');
    client.write('Subject: junkword offer\r\n\r\nhello\r\n');
    expect(await client.command('.')).toMatch(/^250 2\.6\.0 /);
    expect(await client.command('MAIL FROM:<s@example.org>')).toBe('250 2.1.0 Accepted');
    expect(await client.command('RCPT TO:<binhtt@cantho.gov.vn>')).toBe('250 2.1.5 Accepted');
    await client.command('DATA');
    client.write('Subject: hi\r\n\r\nrejectword\r\n');
    expect(await client.command('.')).toBe('550 5.7.1 Message refused as spam (score 20)');
    await client.quit();
    const junk = await h.messages(BINHTT, 'Junk');
    expect(junk).toHaveLength(1);
    expect(junk[0]!.toString()).toContain('X-Spam-Status: Yes');
    expect((await h.messages(BINHTT)).some((m) => m.includes('rejectword'))).toBe(false);
  });
});
