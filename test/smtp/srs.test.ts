import fc from 'fast-check';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkSieveScript } from '../../src/sieve/index.js';
import { srsForward, srsReverse, SRS_MAX_AGE_DAYS, type SrsKey } from '../../src/smtp/srs.js';
import { asAccountId } from '../../src/store/index.js';
import { pendingDeliveries } from '../helpers/queue.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { RawSmtp } from './raw-client.js';

/**
 * SRS for the external forwards `[sieve] external_redirect` allows: the forward leaves with a
 * rewritten envelope sender in our domain; a bounce to it is accepted at the MX and goes on to
 * the original sender; forged addresses and non-bounces are refused at RCPT. Read from the
 * outbound queue (the worker is off).
 */
const KEY: SrsKey = { secret: Buffer.from('khoa-thu-nghiem'), domain: 'cantho.gov.vn' };
const NOW = new Date('2026-12-02T08:00:00Z');
const DAY = 86_400_000;
const localPartOf = (address: string) => address.slice(0, address.lastIndexOf('@'));

describe('SRS0 addresses', () => {
  test('reverse to the original sender, whatever the case, until they expire', () => {
    const rewritten = srsForward('Van.Thu@SoYTe.example', KEY, NOW);
    expect(rewritten).toMatch(/^SRS0=[0-9a-f]{8}=[a-z2-7]{2}=soyte\.example=Van\.Thu@cantho\.gov\.vn$/);
    expect(srsReverse(localPartOf(rewritten), KEY, NOW)).toEqual({ ok: true, address: 'Van.Thu@soyte.example' });
    expect(srsReverse(localPartOf(rewritten).toLowerCase(), KEY, new Date(NOW.getTime() + SRS_MAX_AGE_DAYS * DAY))).toEqual({ ok: true, address: 'van.thu@soyte.example' });
    expect(srsReverse(localPartOf(rewritten), KEY, new Date(NOW.getTime() + (SRS_MAX_AGE_DAYS + 1) * DAY))).toEqual({ ok: false, reason: 'expired' });
    expect(srsForward('', KEY, NOW)).toBe('');
  });

  test('refuse a changed address, another key, and garbage', () => {
    const local = localPartOf(srsForward('vanthu@soyte.example', KEY, NOW));
    expect(srsReverse(local.replace('soyte.example', 'evil.example'), KEY, NOW)).toEqual({ ok: false, reason: 'forged' });
    expect(srsReverse(local, { ...KEY, secret: Buffer.from('khoa-khac') }, NOW)).toEqual({ ok: false, reason: 'forged' });
    for (const bad of ['SRS0=', 'SRS0=zzzzzzzz=aa=x=y', 'SRS0==aa=soyte.example=vanthu', 'srs0']) expect(srsReverse(bad, KEY, NOW)).toEqual({ ok: false, reason: 'forged' });
  });

  test('any sender round-trips (fast-check)', () => {
    const local = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+\/?^_`{|}~.=-]{1,40}$/);
    const domain = fc.domain();
    fc.assert(
      fc.property(local, domain, fc.integer({ min: 0, max: 30 * 365 }), (l, d, days) => {
        const now = new Date(NOW.getTime() + days * DAY);
        const rewritten = srsForward(`${l}@${d}`, KEY, now);
        expect(srsReverse(localPartOf(rewritten), KEY, now)).toEqual({ ok: true, address: `${l}@${d.toLowerCase()}` });
      }),
      { numRuns: 300 },
    );
  });
});

let server: TestServer;
let annv: TestUser;

beforeAll(async () => {
  server = await startTestServer({ smtp: { queueWorker: false }, config: { sieve: { external_redirect: 'allow' } } });
  annv = await server.addUser('Nguyễn Văn An');
}, 240_000);
afterAll(async () => {
  await server?.close();
});

async function queued(): Promise<Array<{ sender: string; to: string }>> {
  return (await pendingDeliveries(server.server.context.queue)).map(({ sender, to }) => ({ sender, to }));
}

async function bounce(to: string, mailFrom = ''): Promise<string[]> {
  const smtp = await RawSmtp.connect(server.ports.mx);
  try {
    // The machine is shared and loaded: generous waits, no timing asserted.
    const wait = 60_000;
    await smtp.hello('mx.partner.example', wait);
    const replies = [await smtp.command(`MAIL FROM:<${mailFrom}>`, wait), await smtp.command(`RCPT TO:<${to}>`, wait)];
    if (replies[1]!.startsWith('250')) {
      replies.push(await smtp.command('DATA', wait));
      replies.push(await smtp.command(`From: MAILER-DAEMON@mx.partner.example\r\nTo: <${to}>\r\nSubject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\n\r\nThe mail could not be delivered.\r\n.`, wait));
    }
    return replies;
  } finally {
    await smtp.quit();
  }
}

describe('SRS at the MX', () => {
  let rewritten = '';

  test('an allowed external redirect leaves with an SRS0 sender in our domain', async () => {
    const script = 'redirect "ban@partner.example";\n';
    const policy = { mode: server.config.sieve.external_redirect, allow: server.config.sieve.redirect_allow, isLocalDomain: (d: string) => server.directory.isLocalDomain(d) };
    checkSieveScript(script, policy);
    await server.server.context.sieve.putScript(asAccountId(annv.address), 'chuyen', script);
    await server.server.context.sieve.setActive(asAccountId(annv.address), 'chuyen');
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.ports.mx, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'vanthu@soyte.example', to: annv.address, subject: 'Công văn', text: 'Kính gửi.' });
    transport.close();
    const forward = (await queued()).find((q) => q.to === 'ban@partner.example');
    expect(forward?.sender).toMatch(/^SRS0=[0-9a-f]{8}=[a-z2-7]{2}=soyte\.example=vanthu@cantho\.gov\.vn$/);
    rewritten = forward!.sender;
  });

  test('a bounce to it goes on to the original sender with the null sender', async () => {
    const replies = await bounce(rewritten);
    expect(replies[1]).toBe('250 2.1.5 Accepted');
    expect(replies[3]).toMatch(/^250 /);
    expect(await queued()).toContainEqual({ sender: '', to: 'vanthu@soyte.example' });
  });

  test('a forged SRS address and a non-bounce to a real one are refused at RCPT', async () => {
    const forged = rewritten.replace('=soyte.example=', '=evil.example=');
    expect((await bounce(forged))[1]).toBe('550 5.1.1 Forwarding address is not valid');
    expect((await bounce(rewritten, 'spammer@evil.example'))[1]).toBe('550 5.7.1 Forwarding address accepts only delivery status notifications');
    expect((await queued()).filter((q) => q.to === 'vanthu@soyte.example')).toHaveLength(1);
  });
});
