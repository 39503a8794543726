import { ImapFlow } from 'imapflow';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIL_RULES_SCRIPT } from '../../src/sieve/index.js';
import { asAccountId } from '../../src/store/index.js';
import { sendThroughMx } from '../helpers/mx.js';
import { pendingDeliveries } from '../helpers/queue.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { launchChromium, type Chromium } from './support.js';

/**
 * "Quy tắc lọc thư" and "Trả lời tự động" in Debian's Chromium (JavaScript off): a rule made on
 * the page files mail delivered through the MX (read back with imapflow), out-of-office set on
 * the page answers a sender once (the reply waits in the outbound queue: the worker is off), and
 * a hand-written active script is shown read-only.
 */

let server: TestServer;
let user: TestUser;
let browser: Chromium;
let page: Page;
let url: string;

beforeAll(async () => {
  server = await startTestServer({ smtp: { queueWorker: false } });
  user = await server.addUser('Phạm Thị Hoa', { password: 'Cho-noi-Cai-Rang-2026' });
  url = `http://127.0.0.1:${server.ports.http}`;
  browser = await launchChromium();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function sendMx(message: { from: string; subject: string; text: string }): Promise<void> {
  await sendThroughMx(server.ports.mx, { ...message, to: user.address });
}

async function folderContents(folder: string): Promise<Array<{ subject: string; seen: boolean }>> {
  const client = new ImapFlow({ host: '127.0.0.1', port: server.ports.imap, secure: false, doSTARTTLS: true, tls: { rejectUnauthorized: false }, auth: { user: user.address, pass: user.password }, logger: false });
  await client.connect();
  try {
    const lock = await client.getMailboxLock(folder);
    try {
      const found: Array<{ subject: string; seen: boolean }> = [];
      if ((client.mailbox as { exists: number }).exists === 0) return found;
      for await (const message of client.fetch('1:*', { envelope: true, flags: true })) found.push({ subject: message.envelope?.subject ?? '', seen: message.flags?.has('\\Seen') ?? false });
      return found;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

async function addRule(field: string, contains: string, action: string, target: { folder?: string; address?: string } = {}): Promise<void> {
  await page.getByLabel('Nếu', { exact: true }).selectOption({ label: field });
  await page.getByLabel('có chứa').fill(contains);
  await page.getByLabel('thì', { exact: true }).selectOption({ label: action });
  await page.getByLabel('Thư mục', { exact: true }).fill(target.folder ?? '');
  await page.getByLabel('Địa chỉ chuyển tiếp').fill(target.address ?? '');
  await page.getByRole('button', { name: 'Thêm quy tắc' }).click();
}

describe('mail rules and out-of-office on the web page', () => {
  it('signs in and opens "Quy tắc lọc thư" from the navigation', async () => {
    await page.goto(`${url}/dang-nhap`);
    await page.getByLabel('Tên đăng nhập').fill(user.address);
    await page.getByLabel('Mật khẩu').fill(user.password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('link', { name: 'Quy tắc lọc thư' }).click();
    expect(await page.locator('h1').innerText()).toBe('Quy tắc lọc thư');
    expect(await page.locator('main').innerText()).toContain('Chưa có quy tắc nào.');
  });

  it('refuses a forward outside the city and an empty folder, next to their fields', async () => {
    await addRule('Người gửi', 'ban-be', 'Chuyển tiếp đến', { address: 'toi@yahoo.com' });
    expect(await page.locator('#chuyen-den-loi').textContent()).toBe('Lỗi: Chỉ được chuyển tiếp thư công vụ đến địa chỉ của thành phố (Điều 8.5).');
    await addRule('Tiêu đề', 'họp', 'Chuyển vào thư mục');
    expect(await page.locator('#thu-muc-loi').textContent()).toBe('Lỗi: Hãy nhập tên thư mục.');
    expect(await server.server.context.sieve.listScripts(asAccountId(user.address))).toEqual([]);
  });

  it('moves a delivered message into the folder a rule names, and marks another read', async () => {
    await addRule('Tiêu đề', 'Họp', 'Chuyển vào thư mục', { folder: 'Công việc/Họp' });
    expect(await page.locator('.notice').innerText()).toBe('Đã lưu. Thư đến từ bây giờ được xử lý theo cài đặt mới.');
    await addRule('Người gửi', 'bantin@', 'Đánh dấu đã đọc');
    expect(await page.locator('.rule-list li .rule').allInnerTexts()).toEqual([
      'Nếu tiêu đề có “Họp” thì chuyển vào thư mục “Công việc/Họp”',
      'Nếu người gửi có “bantin@” thì đánh dấu đã đọc',
    ]);
    await sendMx({ from: 'vanthu@soyte.cantho.example', subject: 'Mời họp giao ban thứ Hai', text: 'Kính mời.' });
    await sendMx({ from: 'bantin@baocantho.example', subject: 'Bản tin sáng', text: 'Tin tức.' });
    expect(await folderContents('Công việc/Họp')).toEqual([{ subject: 'Mời họp giao ban thứ Hai', seen: false }]);
    expect(await folderContents('INBOX')).toEqual([{ subject: 'Bản tin sáng', seen: true }]);
  });

  it('deletes a rule', async () => {
    await page.getByRole('button', { name: 'Xóa quy tắc 2' }).click();
    expect(await page.locator('.rule-list li .rule').allInnerTexts()).toEqual(['Nếu tiêu đề có “Họp” thì chuyển vào thư mục “Công việc/Họp”']);
  });

  it('turns out-of-office on; a sender gets one reply however often they write', async () => {
    await page.getByRole('link', { name: 'Trả lời tự động' }).click();
    await page.getByLabel('Bật trả lời tự động').check();
    await page.getByLabel('Tiêu đề thư trả lời').fill('Đang nghỉ phép');
    await page.getByLabel('Nội dung thư trả lời').fill('Tôi nghỉ phép đến hết tuần.\nViệc gấp xin gọi văn phòng.');
    await page.getByRole('button', { name: 'Lưu' }).click();
    expect(await page.locator('.notice').innerText()).toBe('Đã lưu. Thư đến từ bây giờ được xử lý theo cài đặt mới.');
    expect(await page.getByLabel('Bật trả lời tự động').isChecked()).toBe(true);

    await sendMx({ from: 'congdan@example.org', subject: 'Hỏi thủ tục', text: 'Xin hỏi.' });
    await sendMx({ from: 'congdan@example.org', subject: 'Hỏi lại thủ tục', text: 'Xin hỏi lần hai.' });
    const replies = (await pendingDeliveries(server.server.context.queue)).filter((queued) => queued.to === 'congdan@example.org');
    expect(replies).toHaveLength(1);
    const raw = replies[0]!.raw;
    expect(raw).toContain('Auto-Submitted: auto-replied');
    expect(raw).toContain(`From: ${user.address}`);
    expect(raw).toContain('Subject: =?UTF-8?B?');
    // The rule made before still applies: the generated script holds both.
    const script = (await server.server.context.sieve.activeScript(asAccountId(user.address)))!;
    expect(script).toContain('fileinto :create "Công việc/Họp";');
    expect(script).toContain('vacation :subject "Đang nghỉ phép" "Tôi nghỉ phép đến hết tuần.\nViệc gấp xin gọi văn phòng.";');
  });

  it('shows a hand-written active script read-only, and keeps it', async () => {
    const sieve = server.server.context.sieve;
    const account = asAccountId(user.address);
    const handWritten = 'require "fileinto";\nif address :is "from" "sep@cantho.gov.vn" { fileinto "Sếp"; }\n';
    await sieve.putScript(account, 'cua-toi', handWritten);
    await sieve.setActive(account, 'cua-toi');
    await page.getByRole('link', { name: 'Quy tắc lọc thư' }).click();
    expect(await page.locator('.warning').innerText()).toContain('được viết tay bằng ngôn ngữ Sieve');
    expect(await page.locator('pre.script').textContent()).toBe(handWritten);
    expect(await page.getByRole('button', { name: 'Thêm quy tắc' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Trả lời tự động' }).click();
    expect(await page.getByLabel('Bật trả lời tự động').count()).toBe(0);
    expect((await sieve.listScripts(account)).map((s) => [s.name, s.active])).toEqual([
      ['cua-toi', true],
      [MAIL_RULES_SCRIPT, false],
    ]);
  });
});
