import { writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../helpers/ports.js';
import { launchChromium, PEOPLE, startWebHarness, type Chromium, type WebHarness } from './support.js';

/**
 * The "Cài đặt thư điện tử" guide and its printed handout in Debian's Chromium: reached from
 * every page's footer without signing in, rendered without a console error, naming the ports of
 * config, and the handout printing on one A4 sheet.
 */

let h: WebHarness;
let browser: Chromium;
let page: Page;
const problems: string[] = [];
const ports = { imaps: 0, imap: 0, submissions: 0, submission: 0, ldaps: 0, http: 0 };

beforeAll(async () => {
  for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freeLoopbackPort();
  h = await startWebHarness({
    imap: { tls_listen: `127.0.0.1:${ports.imaps}`, listen: `127.0.0.1:${ports.imap}` },
    smtp: { submissions: `127.0.0.1:${ports.submissions}`, submission: `127.0.0.1:${ports.submission}` },
    ldap: { tls_listen: `127.0.0.1:${ports.ldaps}`, listen: '' },
    http: { listen: `127.0.0.1:${ports.http}` },
  });
  browser = await launchChromium();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.on('console', (message) => {
    // Chromium asks every site for /favicon.ico, which we do not have: not the page's error.
    if (message.location().url.endsWith('/favicon.ico')) return;
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const text = () => page.locator('main').innerText();

describe('the setup guide in Chromium', () => {
  it('is linked from the sign-in page’s footer and opens without signing in', async () => {
    await page.goto(`${h.url}/dang-nhap`);
    await page.getByRole('link', { name: 'Cài đặt thư điện tử' }).click();
    expect(new URL(page.url()).pathname).toBe('/cai-dat');
    expect(await page.locator('h1').innerText()).toBe('Cài đặt thư điện tử');
    expect(await page.locator('html').getAttribute('lang')).toBe('vi');
    expect(problems).toEqual([]);
  });

  it('gives each program its steps with the configured names and ports', async () => {
    const headings = await page.locator('main h2').allInnerTexts();
    expect(headings).toEqual(['Microsoft Outlook', 'Thunderbird (Windows, macOS, Linux)', 'iPhone và iPad', 'Android', 'Thư trên web']);
    const rows: string[][] = [];
    for (const row of await page.locator('table.settings tbody tr').all()) rows.push((await row.locator('th, td').allInnerTexts()).map((cell) => cell.trim()));
    expect(rows).toEqual([
      ['Thư đến (IMAP)', 'mail.cantho.gov.vn', String(ports.imaps), 'SSL/TLS'],
      ['Thư đến (IMAP) (cách khác)', 'mail.cantho.gov.vn', String(ports.imap), 'STARTTLS'],
      ['Thư đi (SMTP)', 'mail.cantho.gov.vn', String(ports.submissions), 'SSL/TLS'],
      ['Thư đi (SMTP) (cách khác)', 'mail.cantho.gov.vn', String(ports.submission), 'STARTTLS'],
      ['Danh bạ (LDAP)', 'mail.cantho.gov.vn', String(ports.ldaps), 'SSL/TLS'],
    ]);
    const guide = await text();
    expect(guide).toContain(`thư đến mail.cantho.gov.vn, cổng ${ports.imaps} (SSL/TLS); thư đi mail.cantho.gov.vn, cổng ${ports.submissions} (SSL/TLS)`);
    expect(guide).toContain(`URL http://127.0.0.1:${ports.http}/.well-known/carddav, tên người dùng tên_sd@cantho.gov.vn`);
    expect(guide).toContain('Đăng nhập trang này trên iPhone/iPad để thấy nút tải hồ sơ cấu hình của bạn.');
    await page.screenshot({ path: '/tmp/cantho-setup-guide.png', fullPage: true });
    expect(problems).toEqual([]);
  });

  it('offers a signed-in official their own profile download', async () => {
    await page.goto(`${h.url}/dang-nhap`);
    await page.getByLabel('Tên đăng nhập').fill('daott');
    await page.getByLabel('Mật khẩu').fill(PEOPLE.dao.password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.goto(`${h.url}/cai-dat`);
    expect(await text()).toContain('tên người dùng daott@cantho.gov.vn');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Tải hồ sơ cấu hình/ }).click()]);
    expect(download.suggestedFilename()).toBe('thu-cong-vu-daott.mobileconfig');
    expect(problems).toEqual([]);
  });

  it('prints the handout on one A4 page, without the site’s banner', async () => {
    await page.goto(`${h.url}/cai-dat`);
    await page.getByRole('link', { name: 'Bản in một trang (khổ A4) cho buổi tập huấn' }).click();
    expect(new URL(page.url()).pathname).toBe('/cai-dat/to-huong-dan');
    expect(await page.locator('h1').innerText()).toBe('Hướng dẫn nhanh: cài đặt thư điện tử công vụ');
    expect(await text()).toContain(`Thư đến mail.cantho.gov.vn, cổng ${ports.imaps} (SSL/TLS).`);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.banner').isVisible()).toBe(false);
    await page.setViewportSize({ width: 794, height: 1123 });
    await page.screenshot({ path: '/tmp/cantho-handout-print.png', fullPage: true });
    await page.setViewportSize({ width: 1100, height: 800 });
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: false });
    await page.emulateMedia({ media: 'screen' });
    const printed = pdf.toString('latin1');
    writeFileSync('/tmp/cantho-handout.pdf', pdf);
    const pages = printed.match(/\/Type\s*\/Page[^s]/g) ?? [];
    expect(pages).toHaveLength(1);
    // A4 (210 × 297 mm) is 595 × 842 points; Chromium writes it to two decimals short.
    const box = /\/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]/.exec(printed);
    expect([Math.round(Number(box?.[1])), Math.round(Number(box?.[2]))]).toEqual([595, 842]);
    expect(problems).toEqual([]);
  });
});
