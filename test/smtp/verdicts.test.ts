import { generateKeyPairSync } from 'node:crypto';
import { authenticate, dkimSign } from 'mailauth';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EICAR, startClamd, type RunningClamd } from '../helpers/clamd.js';
import { ANNV, BINHTT, PASSWORD, startHarness, tableResolver, type DnsTable, type Harness } from './harness.js';
import { RawSmtp, sendOneMessage } from './raw-client.js';

/** SPF, DKIM and DMARC of example.org as the test DNS publishes them. */
const sender = generateKeyPairSync('rsa', { modulusLength: 2048 });
const DNS: DnsTable = {
  'example.org TXT': [['v=spf1 ip4:127.0.0.1 -all']],
  'sel._domainkey.example.org TXT': [[`v=DKIM1; k=rsa; p=${sender.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`]],
  '_dmarc.example.org TXT': [['v=DMARC1; p=reject']],
  'spoofed.example TXT': [['v=spf1 ip4:192.0.2.1 -all']],
  'moving.example TXT': [['v=spf1 ip4:127.0.0.1 -all']],
  'policy.example TXT': [['v=spf1 ip4:127.0.0.1 -all']],
  '_dmarc.policy.example TXT': [['v=DMARC1; p=none']],
};

let clamd: RunningClamd;
let h: Harness;

beforeAll(async () => {
  clamd = await startClamd();
  h = await startHarness({ dns: DNS, config: { clamav: { enabled: true, socket: clamd.socket } }, smtp: { queueWorker: false } });
});
afterAll(async () => {
  await h.close();
  await clamd.stop();
});

const sendMx = (mailFrom: string, to: string, body: Buffer | string): Promise<string> => sendOneMessage(h.mx, body, { from: mailFrom, to, helo: 'mx.example.org' });

describe('authentication results and filter verdicts over SMTP', () => {
  test('SPF, DKIM and DMARC pass for a signed message from an authorised IP', async () => {
    const message = Buffer.from('From: news@example.org\r\nTo: annv@cantho.gov.vn\r\nSubject: signed\r\nDate: Sat, 28 Nov 2026 07:00:00 +0000\r\n\r\nsigned body\r\n');
    const key = { signingDomain: 'example.org', selector: 'sel', privateKey: sender.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
    const signed = await dkimSign(message, { ...key, signatureData: [key] });
    expect(await sendMx('news@example.org', 'annv@cantho.gov.vn', Buffer.concat([Buffer.from(signed.signatures), message]))).toMatch(/^250 2\.6\.0 /);
    const stored = (await h.messages(ANNV)).at(-1)!.toString();
    const results = /^Authentication-Results: mail\.cantho\.gov\.vn;\r\n((?: .*\r\n)+)/m.exec(stored)![1]!;
    expect(results).toMatch(/ dkim=pass header\.i=@example\.org header\.s=sel/);
    expect(results).toMatch(/ spf=pass .*smtp\.mailfrom=news@example\.org/);
    expect(results).toMatch(/ dmarc=pass .*header\.from=example\.org/);
  });

  test('the trace fields are those mailauth\'s authenticate() writes for the same message and client', async () => {
    const message = Buffer.from('From: news@example.org\r\nTo: annv@cantho.gov.vn\r\nSubject: same fields\r\nDate: Sat, 28 Nov 2026 07:00:00 +0000\r\n\r\nbody\r\n');
    const key = { signingDomain: 'example.org', selector: 'sel', privateKey: sender.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
    const signed = Buffer.concat([Buffer.from((await dkimSign(message, { ...key, signatureData: [key] })).signatures), message]);
    const expected = await authenticate(signed, {
      ip: '127.0.0.1',
      helo: 'mx.example.org',
      sender: 'news@example.org',
      mta: 'mail.cantho.gov.vn',
      resolver: tableResolver(DNS) as (name: string, rrtype: string) => Promise<string[]>,
      disableBimi: true,
    });
    for (let i = 0; i < 2; i++) {
      expect(await sendMx('news@example.org', 'annv@cantho.gov.vn', signed)).toMatch(/^250 2\.6\.0 /);
      expect((await h.messages(ANNV)).at(-1)!.toString()).toContain(expected.headers);
    }
  });

  test('a changed SPF record is applied to the next message from the same client and sender', async () => {
    expect(await sendMx('news@moving.example', 'annv@cantho.gov.vn', 'From: news@moving.example\r\nSubject: before\r\n\r\nhi\r\n')).toMatch(/^250 2\.6\.0 /);
    expect((await h.messages(ANNV)).at(-1)!.toString()).toMatch(/^ spf=pass .*smtp\.mailfrom=news@moving\.example/m);
    DNS['moving.example TXT'] = [['v=spf1 ip4:192.0.2.1 -all']];
    expect(await sendMx('news@moving.example', 'annv@cantho.gov.vn', 'From: news@moving.example\r\nSubject: after\r\n\r\nhi\r\n')).toMatch(/^250 2\.6\.0 /);
    expect((await h.messages(ANNV)).at(-1)!.toString()).toMatch(/^ spf=fail .*smtp\.mailfrom=news@moving\.example/m);
  });

  test('a changed DMARC record is applied to the next message from the same sender', async () => {
    const send = (subject: string) => sendMx('news@policy.example', 'annv@cantho.gov.vn', `From: news@policy.example\r\nSubject: ${subject}\r\n\r\nhi\r\n`);
    const dmarcEntry = async () => /^ dmarc=.*$/m.exec((await h.messages(ANNV)).at(-1)!.toString())?.[0];
    expect(await send('before')).toMatch(/^250 2\.6\.0 /);
    expect(await dmarcEntry()).toMatch(/dmarc=pass \(p=NONE arc=none\) header\.from=policy\.example/);
    DNS['_dmarc.policy.example TXT'] = [['v=DMARC1; p=quarantine']];
    expect(await send('after')).toMatch(/^250 2\.6\.0 /);
    expect(await dmarcEntry()).toMatch(/dmarc=pass \(p=QUARANTINE arc=none\) header\.from=policy\.example/);
    DNS['policy.example TXT'] = [['v=spf1 ip4:192.0.2.1 -all']];
    expect(await send('unaligned')).toMatch(/^250 2\.6\.0 /);
    expect(await dmarcEntry()).toMatch(/dmarc=fail \(p=QUARANTINE arc=none\) header\.from=policy\.example/);
  });

  test('SPF fail is reported for a forged envelope sender', async () => {
    expect(await sendMx('ceo@spoofed.example', 'annv@cantho.gov.vn', 'From: ceo@spoofed.example\r\nSubject: spoof\r\n\r\nhi\r\n')).toMatch(/^250 2\.6\.0 /);
    expect((await h.messages(ANNV)).at(-1)!.toString()).toMatch(/^ spf=fail /m);
  });

  test('an inbound virus is refused with the filter’s 554 5.7.1', async () => {
    const reply = await sendMx('x@example.net', 'binhtt@cantho.gov.vn', `Subject: v\r\n\r\n${EICAR}\r\n`);
    expect(reply).toBe('554 5.7.1 Message contains a virus (Test.EICAR.UNOFFICIAL)');
    expect((await h.messages(BINHTT)).some((m) => m.includes('EICAR'))).toBe(false);
  });

  test('an official sending a virus gets 554 and a serious violation named after the signature', async () => {
    const client = await RawSmtp.connect(h.submissions, { tls: true });
    await client.hello();
    await client.command(`AUTH PLAIN ${Buffer.from(`\0annv\0${PASSWORD}`).toString('base64')}`);
    await client.command('MAIL FROM:<annv@cantho.gov.vn>');
    await client.command('RCPT TO:<binhtt@cantho.gov.vn>');
    await client.command('DATA');
    client.write(`From: annv@cantho.gov.vn\r\nSubject: v\r\n\r\n${EICAR}\r\n`);
    expect(await client.command('.')).toBe('554 5.7.1 Message contains a virus (Test.EICAR.UNOFFICIAL)');
    await client.quit();
    expect(h.directory.admin.listViolations('annv').map((v) => [v.source, v.serious, v.reason])).toEqual([['filter', true, 'sent a virus: Test.EICAR.UNOFFICIAL']]);
  });

  test('with the virus scanner down the verdict is a tempfail: 451, nothing stored', async () => {
    await clamd.stop();
    const before = (await h.messages(BINHTT)).length;
    expect(await sendMx('x@example.net', 'binhtt@cantho.gov.vn', 'Subject: later\r\n\r\nhello\r\n')).toBe('451 4.3.0 Virus scanner unavailable, try again later');
    expect(await h.messages(BINHTT)).toHaveLength(before);
  });
});
