import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { insertBanner } from '../../src/smtp/banner.js';
import { ANNV, startHarness, type Harness } from './harness.js';
import { RawSmtp } from './raw-client.js';

/**
 * `[spam] impersonation_banner` (src/smtp/banner.ts): the Vietnamese first line lands at the top of
 * the text a reader sees, in every encoding, and a real parser (mailparser) still finds the same
 * MIME structure: the same parts, attachments byte for byte.
 */
const BANNER = '[Thư từ bên ngoài] Thư này được gửi từ bên ngoài hệ thống.';
const BANNER_HTML = '<p><strong>[Th&#432; t&#7915; b&#234;n ngo&#224;i] Th&#432; n&#224;y &#273;&#432;&#7907;c g&#7917;i t&#7915; b&#234;n ngo&#224;i h&#7879; th&#7889;ng.</strong></p>';
const TEXT = 'Kính gửi anh An,\r\nxin gửi báo cáo quý IV.\r\n';
const HTML = '<html><body style="margin:0"><p>Kính gửi anh An,</p></body></html>';

function message(lines: readonly string[]): Buffer {
  return Buffer.from(`From: "Nguyễn Văn An" <annv@cantho-gov.example>\r\nSubject: Báo cáo\r\nMIME-Version: 1.0\r\n${lines.join('\r\n')}`, 'utf8');
}

function qp(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (b > 126 || b === 0x3d ? `=${b.toString(16).toUpperCase()}` : String.fromCharCode(b))).join('');
}

async function parsed(raw: Buffer) {
  return simpleParser(insertBanner(raw, BANNER));
}

describe('the impersonation banner in each body shape', () => {
  test('text/plain, 8bit UTF-8: the first line, then the text unchanged', async () => {
    const mail = await parsed(message(['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', TEXT]));
    expect(mail.text).toBe(`${BANNER}\n\n${TEXT.replace(/\r\n/g, '\n')}`);
  });

  test('text/plain, base64: decoded, prefixed and encoded again in 76-character lines', async () => {
    const body = Buffer.from(TEXT, 'utf8').toString('base64');
    const raw = insertBanner(message(['Content-Type: text/plain; charset="UTF-8"', 'Content-Transfer-Encoding: base64', '', body, '']), BANNER);
    const encoded = raw.toString('latin1').split('\r\n\r\n')[1]!.trim().split('\r\n');
    expect(encoded.every((line) => line.length <= 76)).toBe(true);
    expect((await simpleParser(raw)).text).toBe(`${BANNER}\n\n${TEXT.replace(/\r\n/g, '\n')}`);
  });

  test('text/plain, quoted-printable: the banner encoded as QP in front', async () => {
    const raw = insertBanner(message(['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', qp(TEXT)]), BANNER);
    expect(raw.toString('latin1').split('\r\n').every((line) => line.length <= 76 || line.startsWith('From:'))).toBe(true);
    expect((await simpleParser(raw)).text).toBe(`${BANNER}\n\n${TEXT.replace(/\r\n/g, '\n')}`);
  });

  test('text/plain in a charset other than UTF-8: the line without diacritics', async () => {
    const mail = await parsed(message(['Content-Type: text/plain; charset=iso-8859-1', '', 'Hello\r\n']));
    expect(mail.text).toBe('[Thu tu ben ngoai] Thu nay duoc gui tu ben ngoai he thong.\n\nHello\n');
  });

  test('text/html: a paragraph right after <body>, in ASCII with character references', async () => {
    const raw = insertBanner(message(['Content-Type: text/html; charset=utf-8', '', HTML]), BANNER);
    expect(raw.toString('utf8')).toContain(`<body style="margin:0">${BANNER_HTML}\r\n<p>Kính gửi anh An,</p>`);
    expect((await simpleParser(raw)).html).toContain(BANNER_HTML);
  });

  test('multipart/alternative (QP text, base64 HTML) with an attachment: both texts marked, the attachment untouched', async () => {
    const attachment = Buffer.from('%PDF-1.4 báo cáo', 'utf8');
    const raw = message([
      'Content-Type: multipart/mixed; boundary="outer"',
      '',
      '--outer',
      'Content-Type: multipart/alternative; boundary="alt"',
      '',
      '--alt',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      qp(TEXT),
      '--alt',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(HTML, 'utf8').toString('base64'),
      '--alt--',
      '',
      '--outer',
      'Content-Type: text/plain; name="note.txt"',
      'Content-Disposition: attachment; filename="note.txt"',
      'Content-Transfer-Encoding: base64',
      '',
      attachment.toString('base64'),
      '--outer--',
      '',
    ]);
    const mail = await simpleParser(insertBanner(raw, BANNER));
    expect(mail.text).toBe(`${BANNER}\n\n${TEXT.replace(/\r\n/g, '\n')}`);
    expect(mail.html).toContain(`<body style="margin:0">${BANNER_HTML}`);
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]!.content.equals(attachment)).toBe(true);
  });
});

describe('the banner on mail through the MX', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ config: { spam: { impersonation_banner: BANNER } } });
  });
  afterAll(() => h?.close());

  test('outside mail with one of our addresses as its display name gets the banner; plain outside mail does not', async () => {
    const send = async (from: string, subject: string) => {
      const client = await RawSmtp.connect(h.mx);
      await client.hello();
      expect(await client.command('MAIL FROM:<news@example.org>')).toBe('250 2.1.0 Accepted');
      expect(await client.command('RCPT TO:<annv@cantho.gov.vn>')).toBe('250 2.1.5 Accepted');
      expect(await client.command('DATA')).toBe('354 End data with <CR><LF>.<CR><LF>');
      client.write(`From: ${from}\r\nSubject: ${subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nXin chào`);
      expect(await client.command('\r\n.', 60_000)).toMatch(/^250 /);
      await client.quit();
      return simpleParser((await h.messages(ANNV)).at(-1)!);
    };
    const posing = await send('"annv@cantho.gov.vn" <news@example.org>', 'posing');
    expect(posing.text).toBe(`${BANNER}\n\nXin chào\n`);
    const plain = await send('News <news@example.org>', 'plain');
    expect(plain.text).toBe('Xin chào\n');
  });
});
