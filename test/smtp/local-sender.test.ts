import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDkimSigner } from '../../src/smtp/dkim.js';
import { python, swaks } from './clients.js';
import { BINHTT, startHarness, type Harness } from './harness.js';
import { sendOneMessage } from './raw-client.js';

const REFUSED = '550 5.7.1 mail from cantho.gov.vn must be sent through authenticated submission';

let h: Harness;
let keyDir: string;

beforeAll(async () => {
  keyDir = mkdtempSync(path.join(os.tmpdir(), 'cm-'));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(path.join(keyDir, 'dkim.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  h = await startHarness({
    // What cantho.gov.vn publishes: only its own server sends, DMARC reject, our DKIM key.
    dns: {
      'cantho.gov.vn TXT': [['v=spf1 ip4:192.0.2.25 -all']],
      '_dmarc.cantho.gov.vn TXT': [['v=DMARC1; p=reject']],
      'sel._domainkey.cantho.gov.vn TXT': [[`v=DKIM1; k=rsa; p=${p}`]],
    },
    config: { dkim: { selector: 'sel', private_key: path.join(keyDir, 'dkim.pem') } },
    smtp: { queueWorker: false },
  });
});
afterAll(async () => {
  await h.close();
  rmSync(keyDir, { recursive: true, force: true });
});

function message(from: string, subject: string): string {
  return `From: ${from}\r\nTo: binhtt@cantho.gov.vn\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@x>\r\n\r\nHello\r\n`;
}

/** One message through the MX from 127.0.0.1, which cantho.gov.vn's SPF does not permit. */
/** The message with our signer's DKIM-Signature on top, as submission sends it on. */
async function signedByUs(text: string): Promise<Buffer> {
  const raw = Buffer.from(text);
  const signature = await createDkimSigner(h.ctx.config, h.ctx.workers)!([raw], raw.length, 'cantho.gov.vn');
  return Buffer.concat([signature, raw]);
}

function sendMx(mailFrom: string, body: Buffer | string): Promise<string> {
  return sendOneMessage(h.mx, body, { from: mailFrom, to: 'binhtt@cantho.gov.vn', helo: 'mx.example.org' });
}

describe('MX: mail in the name of our own domains', () => {
  test('swaks forging an official in MAIL FROM and From: is refused, nothing stored', async () => {
    const before = (await h.messages(BINHTT)).length;
    const result = await swaks(['--server', `127.0.0.1:${h.mx}`, '--from', 'annv@cantho.gov.vn', '--to', 'binhtt@cantho.gov.vn', '--header', 'Subject: forged']);
    expect(result.output).toContain(`<** ${REFUSED}`);
    expect(await h.messages(BINHTT)).toHaveLength(before);
  });

  test('Python smtplib: an official in From: only (outside envelope sender) is refused', async () => {
    const result = await python(`
import smtplib
s = smtplib.SMTP('127.0.0.1', ${h.mx}, local_hostname='mx.example.org')
try:
    s.sendmail('bounces@example.org', ['binhtt@cantho.gov.vn'], ${JSON.stringify(message('"Nguyen Van An" <ANNV@Cantho.Gov.Vn>', 'From only'))})
    print('accepted')
except smtplib.SMTPDataError as e:
    print(e.smtp_code, e.smtp_error.decode())
s.quit()
`);
    expect(result.output.trim()).toBe(REFUSED);
  });

  test('an official in MAIL FROM only, with an outside From:, is refused', async () => {
    expect(await sendMx('annv@cantho.gov.vn', message('someone@example.org', 'Envelope only'))).toBe(REFUSED);
  });

  test('a message DKIM-signed by our signer and forwarded intact passes DMARC and reaches the INBOX', async () => {
    const signed = await signedByUs(message('annv@cantho.gov.vn', 'Forwarded intact'));
    const before = (await h.messages(BINHTT)).length;
    expect(await sendMx('annv@cantho.gov.vn', signed)).toMatch(/^250 2\.6\.0 Message accepted for delivery/);
    const stored = (await h.messages(BINHTT)).slice(before);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.toString()).toMatch(/dkim=pass header\.i=@cantho\.gov\.vn header\.s=sel /);
    expect(stored[0]!.toString()).toMatch(/dmarc=pass/);
  });

  test('a signed message changed on the way fails DKIM and is refused', async () => {
    const altered = (await signedByUs(message('annv@cantho.gov.vn', 'Altered'))).toString().replace('Hello', 'Send money');
    expect(await sendMx('bounces@example.org', altered)).toBe(REFUSED);
  });
});
