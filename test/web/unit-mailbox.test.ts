import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imaplibFlags } from '../unit-mailboxes/real-clients.js';
import { PASSWORD, startUnitServer, type UnitServer } from '../unit-mailboxes/support.js';
import { csrfTokenOf, curl, launchChromium, signIn, type Chromium } from './support.js';

/**
 * "Hộp thư đơn vị" (Điều 9.2; docs/architecture.md "Unit mailboxes") in Debian's Chromium
 * (JavaScript off): a delegate with "w" assigns a unit message and marks another handled; Python's
 * imaplib sees `$Assigned` and `$Handled` in FETCH FLAGS and the audit log has both actions. A
 * delegate with "lr" sees the page without its forms; an outsider gets 403, forms included (curl).
 */
let unit: UnitServer;
let browser: Chromium;
let page: Page;
let url: string;

beforeAll(async () => {
  unit = await startUnitServer();
  await unit.deliverToUnit('Công văn 21/SYT về phòng dịch');
  await unit.deliverToUnit('Công văn 22/SYT báo cáo tháng');
  url = `http://127.0.0.1:${unit.server.ports.http}`;
  browser = await launchChromium();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await unit?.close();
});

/** FETCH 1:* (FLAGS) of Shared/vpubnd/INBOX as the head, with Python's imaplib. */
const headSeesFlags = () => imaplibFlags(unit.server.ports.imap, 'truonglv', PASSWORD, 'Shared/vpubnd/INBOX');

describe('the unit mailbox page (Điều 9.2)', () => {
  it('shows a delegate the unit INBOX with each message unread', async () => {
    await page.goto(`${url}/dang-nhap`);
    await page.getByLabel('Tên đăng nhập').fill('annv@cantho.gov.vn');
    await page.getByLabel('Mật khẩu').fill(PASSWORD);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('link', { name: 'Hộp thư đơn vị' }).click();
    expect(await page.locator('h1').innerText()).toBe('Hộp thư đơn vị: Văn phòng UBND thành phố');
    expect(await page.locator('tr', { hasText: 'Công văn 21/SYT' }).locator('.state').innerText()).toBe('Chưa đọc');
  });

  it('"Giao xử lý" passes the message on: $Assigned in imaplib, unit.assign in the audit log', async () => {
    const row = page.locator('tr', { hasText: 'Công văn 21/SYT' });
    await row.getByLabel('Giao cho').selectOption('binhtt@cantho.gov.vn');
    await row.getByLabel('Ghi chú').fill('Chị Bình soạn trả lời trước thứ Sáu.');
    await row.getByRole('button', { name: /^Giao xử lý/ }).click();
    expect(await page.locator('.notice').innerText()).toContain('Đã giao xử lý');
    expect(await page.locator('tr', { hasText: 'Công văn 21/SYT' }).locator('.state').innerText()).toBe('Đã giao cho binhtt@cantho.gov.vn');
    expect(await headSeesFlags()).toMatch(/^1 \(FLAGS \([^)]*\$Assigned[^)]*\)\)$/m);
    const [audit] = unit.directory.queryAudit({ subject: 'vpubnd@cantho.gov.vn' }).filter((r) => r.action === 'unit.assign');
    expect(audit).toMatchObject({ actor: 'annv@cantho.gov.vn', detail: { uid: 1, to: 'binhtt@cantho.gov.vn', note: 'Chị Bình soạn trả lời trước thứ Sáu.' } });
  });

  it('"Đã xử lý" sets $Handled, seen by imaplib, and is on record', async () => {
    await page.locator('tr', { hasText: 'Công văn 22/SYT' }).getByRole('button', { name: /^Đã xử lý/ }).click();
    expect(await page.locator('tr', { hasText: 'Công văn 22/SYT' }).locator('.state').innerText()).toBe('Đã xử lý');
    expect(await headSeesFlags()).toMatch(/^2 \(FLAGS \([^)]*\$Handled[^)]*\)\)$/m);
    expect(unit.directory.queryAudit({ subject: 'vpubnd@cantho.gov.vn' }).filter((r) => r.action === 'unit.handled')).toMatchObject([{ actor: 'annv@cantho.gov.vn', detail: { uid: 2 } }]);
  });

  it('a delegate with "lr" sees the states but no forms, and may not post them', async () => {
    const { cookie } = await signIn(url, 'binhtt@cantho.gov.vn', PASSWORD);
    const view = await curl(`${url}/hop-thu-don-vi/vpubnd`, ['--cookie', cookie!]);
    expect(view.status).toBe(200);
    expect(view.body).toContain('Đã giao cho binhtt@cantho.gov.vn');
    expect(view.body).not.toContain('/hop-thu-don-vi/vpubnd/giao');
    const post = await curl(`${url}/hop-thu-don-vi/vpubnd/da-xu-ly`, ['--cookie', cookie!, '--data-urlencode', `_csrf=${csrfTokenOf(view.body)}`, '--data-urlencode', 'uid=1']);
    expect(post.status).toBe(403);
  });

  it('refuses a form posted without the session\'s CSRF token, even from a delegate with "w"', async () => {
    const { cookie } = await signIn(url, 'annv@cantho.gov.vn', PASSWORD);
    const post = await curl(`${url}/hop-thu-don-vi/vpubnd/da-xu-ly`, ['--cookie', cookie!, '--data-urlencode', 'uid=1']);
    expect(post.status).toBe(403);
    expect(await headSeesFlags()).not.toMatch(/^1 \([^\n]*\$Handled/m);
  });

  it('someone outside the unit gets 403 for the page and its forms, like for a unit that does not exist', async () => {
    const { cookie } = await signIn(url, 'dungdt@cantho.gov.vn', PASSWORD);
    const view = await curl(`${url}/hop-thu-don-vi/vpubnd`, ['--cookie', cookie!]);
    expect(view.status).toBe(403);
    expect(view.body).toContain('Bạn không có quyền xem hộp thư đơn vị này.');
    expect((await curl(`${url}/hop-thu-don-vi/khongco`, ['--cookie', cookie!])).body).toBe(view.body);
    const post = await curl(`${url}/hop-thu-don-vi/vpubnd/giao`, ['--cookie', cookie!, '--data-urlencode', `_csrf=${csrfTokenOf(view.body)}`, '--data-urlencode', 'uid=2', '--data-urlencode', 'to=dungdt@cantho.gov.vn', '--data-urlencode', 'note=x']);
    expect(post.status).toBe(403);
    expect(unit.directory.queryAudit({ subject: 'vpubnd@cantho.gov.vn' }).filter((r) => r.action === 'unit.assign')).toHaveLength(1);
  });
});
