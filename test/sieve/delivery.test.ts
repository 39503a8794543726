import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkSieveScript, SievePolicyError, SieveSyntaxError } from '../../src/sieve/index.js';
import { asAccountId } from '../../src/store/index.js';
import { sendThroughMx } from '../helpers/mx.js';
import { pendingDeliveries } from '../helpers/queue.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { withImap } from '../helpers/user-sessions.js';

/**
 * Sieve at final delivery, over real sockets: mail through the MX (nodemailer), read back with
 * imapflow; out-of-office replies read from the outbound queue (the queue worker is off, so they
 * wait there).
 */
let server: TestServer;
let annv: TestUser;

beforeAll(async () => {
  server = await startTestServer({ smtp: { queueWorker: false } });
  annv = await server.addUser('Nguyễn Văn An');
});
afterAll(async () => {
  await server?.close();
});

async function activate(address: string, script: string): Promise<void> {
  const account = asAccountId(address);
  const policy = { mode: server.config.sieve.external_redirect, allow: server.config.sieve.redirect_allow, isLocalDomain: (d: string) => server.directory.isLocalDomain(d) };
  checkSieveScript(script, policy);
  await server.server.context.sieve.putScript(account, 'main', script);
  expect(await server.server.context.sieve.setActive(account, 'main')).toBe(true);
}

async function sendMx(message: { from: string; to: string; subject: string; text: string; headers?: Record<string, string>; envelopeTo?: string }): Promise<string> {
  return sendThroughMx(server.ports.mx, { ...message, envelope: { from: message.from, to: message.envelopeTo ?? message.to } });
}


async function subjectsIn(user: TestUser, folder: string): Promise<Array<{ subject: string; flags: string[] }>> {
  return withImap(server, user, async (client) => {
    const lock = await client.getMailboxLock(folder);
    try {
      const found: Array<{ subject: string; flags: string[] }> = [];
      if ((client.mailbox as { exists: number }).exists === 0) return found;
      for await (const message of client.fetch('1:*', { envelope: true, flags: true })) found.push({ subject: message.envelope?.subject ?? '', flags: [...(message.flags ?? [])].filter((f) => f !== '\\Recent').sort() });
      return found;
    } finally {
      lock.release();
    }
  });
}

async function queuedReplies(): Promise<Array<{ sender: string; to: string; raw: string }>> {
  return (await pendingDeliveries(server.server.context.queue)).map(({ sender, to, raw }) => ({ sender, to, raw }));
}

describe('Sieve filters at delivery', () => {
  test('fileinto :create files mail into a new folder with imap4flags; other mail stays in INBOX', async () => {
    await activate(
      annv.address,
      [
        'require ["fileinto", "mailbox", "imap4flags"];',
        'if header :contains "subject" "họp" {',
        '  fileinto :create :flags ["\\\\Flagged", "$Hop"] "Công việc/Họp";',
        '}',
      ].join('\n'),
    );
    expect(await sendMx({ from: 'dan@example.org', to: annv.address, subject: 'Mời họp giao ban', text: 'Thứ hai 8 giờ.' })).toMatch(/^250 /);
    expect(await sendMx({ from: 'dan@example.org', to: annv.address, subject: 'Báo cáo tháng', text: 'Đính kèm.' })).toMatch(/^250 /);
    expect(await subjectsIn(annv, 'Công việc/Họp')).toEqual([{ subject: 'Mời họp giao ban', flags: ['$Hop', '\\Flagged'] }]);
    expect((await subjectsIn(annv, 'INBOX')).map((m) => m.subject)).toEqual(['Báo cáo tháng']);
  });

  test('discard stores nothing, and the sender still gets 250', async () => {
    const binh = await server.addUser('Trần Thị Bình');
    await activate(binh.address, 'if address :domain :is "from" "spam.example" { discard; stop; }');
    expect(await sendMx({ from: 'x@spam.example', to: binh.address, subject: 'quảng cáo', text: 'mua đi' })).toMatch(/^250 /);
    expect(await sendMx({ from: 'x@example.org', to: binh.address, subject: 'thư thật', text: 'chào' })).toMatch(/^250 /);
    expect((await subjectsIn(binh, 'INBOX')).map((m) => m.subject)).toEqual(['thư thật']);
  });

  test('a script that fails at run time keeps the message (matching budget spent)', async () => {
    const cuong = await server.addUser('Lê Văn Cường');
    // Backing off to the "*" over a 60,000-character header, 2,000 characters each time, is more matching work than a run may
    // do: the run stops and the message is kept, although a finished run would have discarded it.
    await activate(cuong.address, `if not header :matches "x-long" "*${'a'.repeat(2000)}b" { discard; }`);
    expect(await sendMx({ from: 'x@example.org', to: cuong.address, subject: 'dài', text: 'x', headers: { 'X-Long': 'a'.repeat(60_000) } })).toMatch(/^250 /);
    expect((await subjectsIn(cuong, 'INBOX')).map((m) => m.subject)).toEqual(['dài']);
  });

  test('a local redirect delivers to the other official; an external one is refused when saved', async () => {
    const dung = await server.addUser('Phạm Văn Dũng');
    const em = await server.addUser('Võ Thị Em');
    await activate(dung.address, `redirect "${em.address}";`);
    expect(await sendMx({ from: 'x@example.org', to: dung.address, subject: 'chuyển tiếp', text: 'x' })).toMatch(/^250 /);
    await expect.poll(async () => (await subjectsIn(em, 'INBOX')).map((m) => m.subject)).toEqual(['chuyển tiếp']);
    expect(await subjectsIn(dung, 'INBOX')).toEqual([]);

    const refusal = await (async () => {
      try {
        await activate(dung.address, 'keep;\nredirect "me@yahoo.com";');
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(refusal).toBeInstanceOf(SievePolicyError);
    expect((refusal as SievePolicyError).message).toMatch(/^line 2:1: redirect to me@yahoo\.com is not allowed/);
    expect(() => checkSieveScript('redirect "me@yahoo.com";', { mode: 'allow-listed', allow: ['yahoo.com'], isLocalDomain: () => false })).not.toThrow();
    expect(() => checkSieveScript('if true {', { mode: 'allow', allow: [], isLocalDomain: () => false })).toThrow(SieveSyntaxError);
  });
});

describe('out-of-office (vacation, RFC 5230 / RFC 3834)', () => {
  test('replies once per sender, threaded, auto-replied; never to lists, bulk, auto-replies or noreply', async () => {
    const giang = await server.addUser('Đỗ Thị Giang');
    await activate(giang.address, 'require "vacation";\nvacation :days 3 text:\nTôi đang đi công tác đến hết tuần.\n.\n;');
    const send = (from: string, subject: string, headers: Record<string, string> = {}) =>
      sendMx({ from, to: giang.address, subject, text: 'xin chào', headers: { 'Message-ID': `<${subject.replace(/\W/g, '')}@example.org>`, ...headers } });
    await send('hai@example.org', 'first');
    await send('hai@example.org', 'second');
    await send('news@example.org', 'list', { 'List-Id': '<news.example.org>' });
    await send('bulk@example.org', 'bulk', { Precedence: 'bulk' });
    await send('bot@example.org', 'auto', { 'Auto-Submitted': 'auto-replied' });
    await send('noreply@example.org', 'noreply');
    // RFC 5230 §4.5: a copy that does not name the official in To/Cc (a Bcc) gets no reply.
    await sendMx({ from: 'bcc@example.org', to: 'other@example.org', envelopeTo: giang.address, subject: 'bcc', text: 'x' });

    const replies = (await queuedReplies()).filter((r) => r.raw.includes(`From: ${giang.address}`));
    expect(replies.map((r) => [r.sender, r.to])).toEqual([['', 'hai@example.org']]);
    const reply = replies[0]!.raw;
    expect(reply).toMatch(/^Auto-Submitted: auto-replied \(vacation\)\r$/m);
    expect(reply).toMatch(/^In-Reply-To: <first@example\.org>\r$/m);
    expect(reply).toMatch(/^References: <first@example\.org>\r$/m);
    expect(reply).toMatch(/^Subject: =\?UTF-8\?B\?/m);
    const body = Buffer.from(reply.split('\r\n\r\n')[1]!, 'base64').toString('utf8');
    expect(body).toBe('Tôi đang đi công tác đến hết tuần.\r\n');
    // Every message was kept in the INBOX.
    expect((await subjectsIn(giang, 'INBOX')).length).toBe(7);
  });
});
