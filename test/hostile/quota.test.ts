/**
 * Quota over SMTP (src/smtp/quota.ts) and the 90 % warning (src/notices/quota-notices.ts), over
 * real sockets: nodemailer and swaks as the sending MTA, our raw client where the exact dialogue
 * matters. annv has a 200 KB quota.
 * - Mail fills the mailbox past 90 %: one Vietnamese notice from postmaster@ lands in her INBOX;
 *   more mail below the limit brings no second one.
 * - A message that would pass the limit: 452 4.2.2 at DATA; with SIZE declared, at RCPT.
 * - A full mailbox: 452 4.2.2 at RCPT (swaks), for that recipient only.
 * - Once she deletes mail below 90 % and it fills again, she is warned again.
 */
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { asAccountId, type MailboxId } from '../../src/store/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { swaks } from '../smtp/clients.js';
import { RawSmtp } from '../smtp/raw-client.js';

const FULL = '452 4.2.2 Mailbox full: over its quota, try again later';
let server: TestServer;
let annv: string;
let binhtt: { address: string; password: string };
let limit: number;

beforeAll(async () => {
  server = await startTestServer({ config: { quota: { default: '200KB' } }, smtp: { queueWorker: false } });
  annv = (await server.addUser('Nguyễn Văn An', { address: 'annv' })).address;
  binhtt = await server.addUser('Trần Thị Bình', { address: 'binhtt' });
  limit = server.config.quota.default;
});
afterAll(() => server.close());

const store = () => server.server.context.store;
const inbox = async (): Promise<MailboxId> => (await store().getMailbox(asAccountId(annv), 'INBOX'))!.id;
const usage = async () => await store().accountUsage(asAccountId(annv));

/** A plain ASCII text of about `octets` bytes in 70-character lines (7bit, no transfer encoding). */
const textOf = (octets: number) => `${'x'.repeat(68)}\r\n`.repeat(Math.ceil(octets / 70));

async function sendToMx(octets: number, to = annv): Promise<void> {
  const mx = nodemailer.createTransport({ host: '127.0.0.1', port: server.ports.mx, secure: false, ignoreTLS: true });
  await mx.sendMail({ from: 'tin@example.org', to, subject: 'Tài liệu', text: textOf(octets) });
}

/** The quota notices in annv's INBOX, once `count` of them arrived (or after 5 s). */
async function notices(count: number): Promise<string[]> {
  const started = Date.now();
  for (;;) {
    const raws = await Promise.all((await store().listMessages(await inbox())).map(async (row) => (await store().readBlob(row.blobId)).toString('latin1')));
    const subjects = raws.filter((raw) => /^Message-ID: <quota-/im.test(raw));
    if (subjects.length >= count || Date.now() - started > 5_000) return subjects;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('quota over SMTP', () => {
  test('warns once when usage crosses 90 %, in Vietnamese, into the INBOX', async () => {
    await sendToMx(limit * 0.5);
    expect(await notices(0)).toHaveLength(0);
    await sendToMx(limit * 0.42);
    expect(await usage()).toBeGreaterThanOrEqual(limit * 0.9);
    const [notice] = await notices(1);
    const parsed = await simpleParser(Buffer.from(notice!, 'latin1'));
    expect(parsed.from?.value[0]?.address).toBe('postmaster@cantho.gov.vn');
    expect(parsed.subject).toMatch(/^Hộp thư annv@cantho\.gov\.vn đã dùng 9\d% dung lượng$/);
    expect(parsed.text).toContain('Kính gửi Nguyễn Văn An');
    // Still below the limit: accepted, and no second notice.
    await sendToMx(limit * 0.02);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await notices(2)).toHaveLength(1);
    const rows = server.directory.queryAudit({ subject: annv }).filter((row) => row.action.startsWith('quota.'));
    expect(rows.map((row) => row.action)).toEqual(['quota.warning']);
  });

  test('refuses at DATA a message that would pass the limit, and at RCPT when SIZE says so', async () => {
    const room = limit - await usage();
    const client = await RawSmtp.connect(server.ports.mx);
    try {
      await client.hello();
      expect(await client.command('MAIL FROM:<tin@example.org>')).toMatch(/^250/);
      expect(await client.command(`RCPT TO:<${annv}>`)).toMatch(/^250/);
      expect(await client.command('DATA')).toMatch(/^354/);
      client.write(`From: tin@example.org\r\nTo: ${annv}\r\nSubject: lon\r\n\r\n${textOf(room + 1000)}.\r\n`);
      expect(await client.reply()).toBe(FULL);

      expect(await client.command(`MAIL FROM:<tin@example.org> SIZE=${room + 1000}`)).toMatch(/^250/);
      expect(await client.command(`RCPT TO:<${annv}>`)).toBe(FULL);
      // The other recipient of the same message is not held back.
      expect(await client.command('RCPT TO:<binhtt@cantho.gov.vn>')).toMatch(/^250/);
    } finally {
      client.destroy();
    }
  });

  test('refuses a full mailbox at RCPT, whatever the size: on the MX (swaks), on submission, and for a unit mailbox', async () => {
    // Mail stored before the quota was lowered: usage at the limit.
    await store().deliver([{ account: asAccountId(annv), folder: 'INBOX' }], Buffer.from(`Subject: cu\r\n\r\n${textOf(limit - await usage())}`));
    expect(await usage()).toBeGreaterThanOrEqual(limit);
    const result = await swaks(['--server', `127.0.0.1:${server.ports.mx}`, '--from', 'tin@example.org', '--to', annv, '--body', 'ngan']);
    expect(result.output).toContain(`<** ${FULL}`);

    const submission = nodemailer.createTransport({ host: '127.0.0.1', port: server.ports.submissions, secure: true, tls: { rejectUnauthorized: false }, auth: { user: 'binhtt', pass: binhtt.password } });
    await expect(submission.sendMail({ from: binhtt.address, to: annv, subject: 'Chào', text: 'ngắn' })).rejects.toThrow(FULL);

    const unit = await server.addUnit('vpubnd');
    await store().deliver([{ account: asAccountId(unit), folder: 'INBOX' }], Buffer.from(`Subject: cu\r\n\r\n${textOf(limit)}`));
    const toUnit = await swaks(['--server', `127.0.0.1:${server.ports.mx}`, '--from', 'tin@example.org', '--to', unit, '--body', 'ngan']);
    expect(toUnit.output).toContain(`<** ${FULL}`);
  });

  test('warns again after usage fell below 90 % and crossed it again', async () => {
    const rows = await store().listMessages(await inbox());
    const big = rows.filter((row) => row.size > limit * 0.1).map((row) => row.uid);
    await store().storeFlags(await inbox(), big, 'add', ['\\Deleted']);
    await store().expunge(await inbox(), big);
    expect(await usage()).toBeLessThan(limit * 0.9);
    await sendToMx(limit * 0.9);
    expect(await notices(2)).toHaveLength(2);
    const actions = server.directory.queryAudit({ subject: annv }).filter((row) => row.action.startsWith('quota.')).map((row) => row.action);
    expect(actions).toEqual(['quota.warning', 'quota.below', 'quota.warning']);
  });
});
