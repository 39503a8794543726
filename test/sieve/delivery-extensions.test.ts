import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkSieveScript } from '../../src/sieve/index.js';
import { asAccountId } from '../../src/store/index.js';
import { sendThroughMx, sendThroughSubmission } from '../helpers/mx.js';
import { pendingDeliveries } from '../helpers/queue.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { withImap } from '../helpers/user-sessions.js';

/**
 * The Sieve extensions that act at delivery, over real sockets (docs/sieve.md): reject/ereject at
 * the MX (550 or a DSN), the verdict's spamtest/virustest values, mailboxexists on the real
 * folders, and scripts of local recipients run for mail sent through submission. Mail goes in
 * with nodemailer, is read back with imapflow; DSNs wait in the outbound queue (its worker is off).
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ smtp: { queueWorker: false } });
});
afterAll(async () => {
  await server?.close();
});

async function activate(address: string, script: string): Promise<void> {
  const account = asAccountId(address);
  checkSieveScript(script, { mode: 'deny', allow: [], isLocalDomain: (d: string) => server.directory.isLocalDomain(d) });
  await server.server.context.sieve.putScript(account, 'main', script);
  expect(await server.server.context.sieve.setActive(account, 'main')).toBe(true);
}

interface Mail {
  readonly from: string;
  readonly to: string | string[];
  readonly subject: string;
  readonly text: string;
  readonly headers?: Record<string, string>;
}

function sendMx(message: Mail): Promise<string> {
  return sendThroughMx(server.ports.mx, message);
}

function sendSubmission(user: TestUser, message: Mail): Promise<string> {
  return sendThroughSubmission(server.ports.submission, user, message);
}

async function subjectsIn(user: TestUser, folder: string): Promise<string[]> {
  return withImap(server, user, async (client) => {
    const lock = await client.getMailboxLock(folder);
    try {
      const found: string[] = [];
      if ((client.mailbox as { exists: number }).exists === 0) return found;
      for await (const message of client.fetch('1:*', { envelope: true })) found.push(message.envelope?.subject ?? '');
      return found;
    } finally {
      lock.release();
    }
  });
}

async function folderNames(user: TestUser): Promise<string[]> {
  return withImap(server, user, async (client) => (await client.list()).map((m) => m.path).sort());
}

async function queued(): Promise<Array<{ sender: string; to: string; raw: string }>> {
  return (await pendingDeliveries(server.server.context.queue)).map(({ sender, to, raw }) => ({ sender, to, raw }));
}

describe('reject and ereject at delivery (RFC 5429)', () => {
  test('when every recipient refuses, the MX answers 550 5.7.1 with the reason and stores nothing', async () => {
    const an = await server.addUser('Nguyễn Văn An');
    await activate(an.address, 'require "reject";\nif header :contains "subject" "khuyến mãi" { reject "Tôi không nhận thư quảng cáo.\nCảm ơn."; }');
    const refusal = await sendMx({ from: 'shop@example.org', to: an.address, subject: 'khuyến mãi lớn', text: 'mua đi' }).catch((error: { response?: string }) => error.response);
    // SMTP replies are ASCII (RFC 5321 §4.2): the listener writes Vietnamese without its marks.
    expect(refusal).toBe('550 5.7.1 Toi khong nhan thu quang cao.');
    expect(await sendMx({ from: 'shop@example.org', to: an.address, subject: 'hóa đơn', text: 'x' })).toMatch(/^250 /);
    expect(await subjectsIn(an, 'INBOX')).toEqual(['hóa đơn']);
    expect((await queued()).filter((q) => q.to === 'shop@example.org')).toEqual([]);
  });

  test('when only some refuse, the others get the message and the sender a DSN; never to a null or automatic sender', async () => {
    const binh = await server.addUser('Trần Thị Bình');
    const cuong = await server.addUser('Lê Văn Cường');
    await activate(binh.address, 'require "ereject"; ereject "Hộp thư này không nhận thư từ bên ngoài.";');
    expect(await sendMx({ from: 'dan@example.org', to: [binh.address, cuong.address], subject: 'gửi hai người', text: 'x' })).toMatch(/^250 /);
    expect(await subjectsIn(cuong, 'INBOX')).toEqual(['gửi hai người']);
    expect(await subjectsIn(binh, 'INBOX')).toEqual([]);
    const dsns = (await queued()).filter((q) => q.to === 'dan@example.org');
    expect(dsns.map((d) => d.sender)).toEqual(['']);
    const dsn = dsns[0]!.raw;
    expect(dsn).toMatch(/^Content-Type: multipart\/report; report-type=delivery-status;/m);
    expect(dsn).toMatch(/^Auto-Submitted: auto-replied\r$/m);
    expect(dsn).toContain(`Final-Recipient: rfc822; ${binh.address}`);
    expect(dsn).toContain('Status: 5.7.1');
    expect(dsn).toContain('Diagnostic-Code: smtp; 550 5.7.1 Hộp thư này không nhận thư từ bên ngoài.');
    expect(dsn).toContain('Content-Type: text/rfc822-headers\r\n\r\nX-Spam-Score');

    await sendMx({ from: 'bot@example.org', to: [binh.address, cuong.address], subject: 'tự động', text: 'x', headers: { 'Auto-Submitted': 'auto-generated' } });
    await sendMx({ from: '', to: [binh.address, cuong.address], subject: 'thư báo lỗi', text: 'x' });
    expect((await queued()).filter((q) => q.to === 'bot@example.org' || q.to === '')).toEqual([]);
    expect(await subjectsIn(cuong, 'INBOX')).toEqual(['gửi hai người', 'tự động', 'thư báo lỗi']);
  });
});

describe('our verdict and folders in the script', () => {
  test('spamtest and virustest see the filters\u2019 values (a clean message: 1; clamd off: 0)', async () => {
    const dung = await server.addUser('Phạm Văn Dũng');
    await activate(
      dung.address,
      'require ["spamtest", "virustest", "variables", "fileinto", "mailbox"];\nif spamtest :matches "*" { set "s" "${1}"; }\nif virustest :matches "*" { fileinto :create "spam-${s}-virus-${1}"; }',
    );
    expect(await sendMx({ from: 'dan@example.org', to: dung.address, subject: 'bình thường', text: 'Kính gửi anh, gửi anh báo cáo.' })).toMatch(/^250 /);
    expect(await subjectsIn(dung, 'spam-1-virus-0')).toEqual(['bình thường']);
  });

  test('mailboxexists reads the recipient\u2019s folders at delivery', async () => {
    const em = await server.addUser('Võ Thị Em');
    await activate(em.address, 'require ["mailbox", "fileinto"];\nif mailboxexists "Dự án" { fileinto "Dự án"; }');
    await sendMx({ from: 'dan@example.org', to: em.address, subject: 'trước', text: 'x' });
    await withImap(server, em, (client) => client.mailboxCreate('Dự án'));
    await sendMx({ from: 'dan@example.org', to: em.address, subject: 'sau', text: 'x' });
    expect(await subjectsIn(em, 'INBOX')).toEqual(['trước']);
    expect(await subjectsIn(em, 'Dự án')).toEqual(['sau']);
  });
});

describe('out-of-office with dates (the script shape of docs/sieve.md)', () => {
  test('replies inside the period, not outside it', async () => {
    const lan = await server.addUser('Phan Thị Lan');
    const minh = await server.addUser('Đinh Văn Minh');
    const script = (from: string, to: string) =>
      [
        'require ["date", "relational", "vacation"];',
        '# cantho-mail: out-of-office',
        `if allof (currentdate :zone "+0700" :value "ge" "date" "${from}",`,
        `          currentdate :zone "+0700" :value "le" "date" "${to}") {`,
        '  vacation :days 7 :subject "Trả lời tự động: đang nghỉ phép" "Tôi đang nghỉ phép.";',
        '}',
      ].join('\n');
    await activate(lan.address, script('2020-01-01', '2099-12-31'));
    await activate(minh.address, script('2020-01-01', '2020-01-31'));
    await sendMx({ from: 'oanh@example.org', to: [lan.address, minh.address], subject: 'hỏi việc', text: 'x' });
    const replies = (await queued()).filter((q) => q.to === 'oanh@example.org');
    expect(replies.map((r) => [r.sender, /^From: (.*)\r$/m.exec(r.raw)?.[1]])).toEqual([['', lan.address]]);
    expect(await subjectsIn(minh, 'INBOX')).toEqual(['hỏi việc']);
  });
});

describe('submission to local recipients', () => {
  test('their scripts run as for mail from the MX; a refusal is a DSN to the official', async () => {
    const giang = await server.addUser('Đỗ Thị Giang');
    const hai = await server.addUser('Ngô Văn Hải');
    const khanh = await server.addUser('Lý Thị Khánh');
    await activate(hai.address, `require ["fileinto", "mailbox"];\nif address :is "from" "${giang.address}" { fileinto :create "Từ Giang"; }`);
    await activate(khanh.address, 'require "reject"; reject "Đang nghỉ hưu, không nhận thư.";');
    expect(await sendSubmission(giang, { from: giang.address, to: [hai.address, khanh.address], subject: 'nội bộ', text: 'x' })).toMatch(/^250 /);
    expect(await subjectsIn(hai, 'Từ Giang')).toEqual(['nội bộ']);
    expect(await folderNames(hai)).toContain('Từ Giang');
    expect(await subjectsIn(khanh, 'INBOX')).toEqual([]);
    // The DSN goes to the official's own INBOX (a local sender), from the null reverse-path.
    await expect.poll(() => subjectsIn(giang, 'INBOX')).toEqual(['Thư không gửi được / Undelivered Mail Returned to Sender']);
  });
});
