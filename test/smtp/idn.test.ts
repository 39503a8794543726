import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PASSWORD, startHarness, startInternet, waitFor, type Harness, type Internet } from './harness.js';
import { RawSmtp } from './raw-client.js';

let h: Harness;
let internet: Internet;

beforeAll(async () => {
  internet = await startInternet();
  h = await startHarness({
    // Only the A-label form is in DNS, as on the real Internet.
    dns: {
      'xn--bcher-kva.example MX': [{ exchange: 'mx.xn--bcher-kva.example', priority: 10 }],
      'mx.xn--bcher-kva.example A': ['127.0.0.1'],
    },
    smtp: { queueWorker: { mxPort: internet.port, pollIntervalMs: 100 } },
  });
});
afterAll(async () => {
  await h.close();
  await internet.close();
});

describe('internationalised domain names (RFC 6531)', () => {
  test('submission to a remote IDN recipient, in U-labels and in A-labels, is queued to the ASCII domain and delivered', async () => {
    const client = await RawSmtp.connect(h.submission);
    await client.hello();
    await client.startTls();
    await client.command('EHLO client.example.org');
    expect(await client.command(`AUTH PLAIN ${Buffer.from(`\0annv\0${PASSWORD}`).toString('base64')}`)).toBe('235 2.7.0 Authentication successful');
    expect(await client.command('MAIL FROM:<annv@cantho.gov.vn> SMTPUTF8')).toBe('250 2.1.0 Accepted');
    expect(await client.command('RCPT TO:<thu@bücher.example>')).toBe('250 2.1.5 Accepted');
    expect(await client.command('RCPT TO:<sach@xn--bcher-kva.example>')).toBe('250 2.1.5 Accepted');
    expect(await client.command('DATA')).toMatch(/^354 /);
    client.write('From: annv@cantho.gov.vn\r\nTo: thu@bücher.example\r\nSubject: IDN\r\n\r\nXin chào\r\n');
    expect(await client.command('.')).toBe('250 2.6.0 Message accepted for delivery');
    await client.quit();
    const mail = await waitFor(() => internet.received.find((m) => m.raw.includes('Subject: IDN')));
    // The test Internet is smtp-server too, which shows the domain in U-labels again; the MX
    // lookup could only succeed for the A-label name.
    expect(mail.to.sort()).toEqual(['sach@bücher.example', 'thu@bücher.example']);
    expect(mail.from).toBe('annv@cantho.gov.vn');
  });

  test('the MX refuses to relay to an IDN domain with 550 5.7.1, not a syntax error', async () => {
    const client = await RawSmtp.connect(h.mx);
    await client.hello();
    expect(await client.command('MAIL FROM:<someone@example.org> SMTPUTF8')).toBe('250 2.1.0 Accepted');
    expect(await client.command('RCPT TO:<thu@bücher.example>')).toBe('550 5.7.1 Relaying denied');
    expect(await client.command('RCPT TO:<thu@xn--bcher-kva.example>')).toBe('550 5.7.1 Relaying denied');
    // smtp-server refuses a broken A-label itself; a U-label IDNA forbids is ours to refuse.
    expect(await client.command('RCPT TO:<thu@xn--invalid-.example>')).toBe('501 5.1.3 Error: Bad recipient address syntax');
    expect(await client.command('RCPT TO:<thu@a⒈com>')).toBe('553 5.1.3 Bad destination mailbox address syntax');
    expect(await client.command('RCPT TO:<annv@cantho.gov.vn>')).toBe('250 2.1.5 Accepted');
    await client.quit();
  });
});
