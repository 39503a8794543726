import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, PEOPLE, startWebHarness, type Chromium, type WebHarness } from './support.js';

/**
 * The officials' path through the site in Debian's Chromium, headless, with JavaScript switched
 * off (the site must work without it): sign in with the given password, the forced change with
 * each refusal, the directory search and the vCard download.
 */

let h: WebHarness;
let browser: Chromium;
let page: Page;

beforeAll(async () => {
  h = await startWebHarness();
  browser = await launchChromium();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** The test runs in Node (no DOM types): page code is passed as a string. */
const focusedId = () => page.evaluate<string>("document.activeElement?.id ?? ''");
const heading = () => page.locator('h1').innerText();

async function fillChange(current: string, next: string, confirm = next): Promise<void> {
  await page.getByLabel('Mật khẩu hiện tại').fill(current);
  await page.getByLabel('Mật khẩu mới', { exact: true }).fill(next);
  await page.getByLabel('Nhập lại mật khẩu mới').fill(confirm);
  await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
}

/** Submits the change form expecting a refusal: the summary's message and the field it points at. */
async function submitChange(current: string, next: string, confirm = next): Promise<{ message: string; field: string }> {
  await fillChange(current, next, confirm);
  const link = page.locator('.error-summary a');
  return { message: (await link.innerText()).trim(), field: ((await link.getAttribute('href')) ?? '').slice(1) };
}

describe('the self-service site in Chromium', () => {
  it('is Vietnamese, labelled, and reached in a sensible keyboard order', async () => {
    await page.goto(`${h.url}/`);
    expect(new URL(page.url()).pathname).toBe('/dang-nhap');
    expect(await page.locator('html').getAttribute('lang')).toBe('vi');
    expect(await heading()).toBe('Đăng nhập');
    await page.screenshot({ path: '/tmp/cantho-web-sign-in.png', fullPage: true });
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate<string>("document.activeElement?.id || document.activeElement?.textContent?.trim() || ''"));
    }
    expect(order).toEqual(['Chuyển đến nội dung chính', 'ten-dang-nhap', 'mat-khau', 'Đăng nhập']);
  });

  it('refuses a wrong password next to the password field', async () => {
    await page.getByLabel('Tên đăng nhập').fill('annv');
    await page.getByLabel('Mật khẩu').fill('khong phai mat khau');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    expect(await page.locator('#mat-khau-loi').textContent()).toBe('Lỗi: Tên đăng nhập hoặc mật khẩu không đúng.');
    expect(await page.locator('#mat-khau').getAttribute('aria-describedby')).toBe('mat-khau-goi-y mat-khau-loi');
    expect(await focusedId()).toBe('mat-khau');
  });

  it('signs in with the given password to the forced change page only', async () => {
    await page.getByLabel('Tên đăng nhập').fill('annv');
    await page.getByLabel('Mật khẩu').fill(PEOPLE.an.initial);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    expect(new URL(page.url()).pathname).toBe('/doi-mat-khau');
    expect(await heading()).toBe('Đổi mật khẩu');
    expect(await page.locator('.warning').innerText()).toContain('Bạn cần đặt mật khẩu mới trước khi dùng thư điện tử.');
    await page.goto(`${h.url}/tra-cuu?q=dao`);
    expect(new URL(page.url()).pathname).toBe('/doi-mat-khau');
  });

  it('shows each refusal of the new password, tied to its field', async () => {
    const cases: Array<[string, string, string, string, string]> = [
      ['sai-mat-khau-roi', 'Ben Ninh Kieu 2026', 'Ben Ninh Kieu 2026', 'mat-khau-hien-tai', 'Mật khẩu hiện tại không đúng.'],
      [PEOPLE.an.initial, 'ngan-qua', 'ngan-qua', 'mat-khau-moi', 'Mật khẩu mới phải có ít nhất 10 ký tự.'],
      [PEOPLE.an.initial, 'toi-la-ANNV-2026', 'toi-la-ANNV-2026', 'mat-khau-moi', 'Mật khẩu mới không được chứa tên đăng nhập (tên_sd) của bạn.'],
      [PEOPLE.an.initial, 'Nguyễn rất vui 2026', 'Nguyễn rất vui 2026', 'mat-khau-moi', 'Mật khẩu mới không được chứa họ, tên đệm hoặc tên của bạn.'],
      [PEOPLE.an.initial, '123456a@123', '123456a@123', 'mat-khau-moi', 'Mật khẩu mới quá phổ biến, người khác dễ đoán ra. Hãy chọn mật khẩu khác.'],
      [PEOPLE.an.initial, PEOPLE.an.initial, PEOPLE.an.initial, 'mat-khau-moi', 'Mật khẩu mới phải khác mật khẩu hiện tại và mật khẩu trước đó.'],
      [PEOPLE.an.initial, 'Ben Ninh Kieu 2026', 'Ben Ninh Kieu 2027', 'nhap-lai-mat-khau-moi', 'Hai lần nhập mật khẩu mới không giống nhau.'],
    ];
    for (const [current, next, confirm, field, message] of cases) {
      const refusal = await submitChange(current, next, confirm);
      expect(refusal, message).toEqual({ message, field });
      expect(await page.locator(`#${field}-loi`).textContent()).toBe(`Lỗi: ${message}`);
      expect(await page.locator(`#${field}`).getAttribute('aria-invalid')).toBe('true');
      expect(await focusedId()).toBe(field);
      expect(new URL(page.url()).pathname).toBe('/doi-mat-khau');
    }
    await page.screenshot({ path: '/tmp/cantho-web-change-password.png', fullPage: true });
  });

  it('accepts a good new password and opens the directory', async () => {
    await fillChange(PEOPLE.an.initial, 'Ben Ninh Kieu 2026');
    expect(new URL(page.url()).pathname).toBe('/tra-cuu');
    expect(await page.locator('.notice').innerText()).toBe(
      'Đã đổi mật khẩu. Từ nay hãy dùng mật khẩu mới trong phần mềm thư trên máy tính và điện thoại.',
    );
    const login = await h.directory.verifyLogin('annv@cantho.gov.vn', 'Ben Ninh Kieu 2026', { protocol: 'imap', ip: '127.0.0.1' });
    expect(login.ok).toBe(true);
  });

  it('refuses the previous password as the next one', async () => {
    await page.getByRole('link', { name: 'Đổi mật khẩu' }).click();
    expect(await page.locator('.warning').count()).toBe(0);
    const refusal = await submitChange('Ben Ninh Kieu 2026', PEOPLE.an.initial);
    expect(refusal.message).toBe('Mật khẩu mới phải khác mật khẩu hiện tại và mật khẩu trước đó.');
  });

  it('finds Nguyễn Văn Ân from "nguyen van an"', async () => {
    await page.getByRole('link', { name: 'Tra cứu danh bạ' }).click();
    await page.getByLabel('Tìm theo họ tên, đơn vị, chức vụ hoặc địa chỉ thư').fill('nguyen van an');
    await Promise.all([page.waitForURL(/q=nguyen/), page.keyboard.press('Enter')]);
    expect(new URL(page.url()).search).toBe('?q=nguyen+van+an');
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().locator('th').innerText()).toBe('Nguyễn Văn Ân');
    const cells = (await rows.first().locator('td').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim());
    expect(cells).toEqual([
      'Chánh Văn phòng',
      'Văn phòng UBND thành phốvCard đơn vị Văn phòng UBND thành phố',
      'annv@cantho.gov.vn',
      '0292 3820 123',
    ]);
    await page.getByLabel('Tìm theo họ tên, đơn vị, chức vụ hoặc địa chỉ thư').fill('van phong');
    await Promise.all([page.waitForURL(/q=van/), page.keyboard.press('Enter')]);
    expect(await page.locator('tbody th').allInnerTexts()).toEqual(['Văn phòng UBND thành phố Đơn vị', 'Nguyễn Văn Ân', 'Lê Quang Bình']);
    await page.screenshot({ path: '/tmp/cantho-web-search.png', fullPage: true });
  });

  it('downloads a unit’s vCard and the whole directory', async () => {
    await page.getByLabel('Đơn vị', { exact: true }).selectOption({ label: 'Văn phòng UBND thành phố' });
    const [unitDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Tải về' }).click()]);
    expect(unitDownload.suggestedFilename()).toBe('danh-ba-vpubnd.vcf');
    const unitCards = readFileSync((await unitDownload.path())!, 'utf8');
    expect(unitCards.match(/^FN:.*$/gm)).toEqual(['FN:Văn phòng UBND thành phố', 'FN:Nguyễn Văn Ân', 'FN:Lê Quang Bình']);
    expect(unitCards).toContain('BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:individual\r\nUID:mailto:annv@cantho.gov.vn\r\n');

    await page.getByLabel('Đơn vị', { exact: true }).selectOption({ label: 'Toàn bộ danh bạ thành phố' });
    const [allDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Tải về' }).click()]);
    expect(allDownload.suggestedFilename()).toBe('danh-ba.vcf');
    const allCards = readFileSync((await allDownload.path())!, 'utf8');
    expect(allCards.match(/^BEGIN:VCARD\r$/gm)).toHaveLength(5);
    expect(allCards).toContain('FN:Trần Thị Đào\r\n');
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: /Đăng xuất/ }).click();
    expect(new URL(page.url()).pathname).toBe('/dang-nhap');
    expect(await page.locator('.notice').innerText()).toBe('Bạn đã đăng xuất.');
    await page.goto(`${h.url}/tra-cuu`);
    expect(new URL(page.url()).pathname).toBe('/dang-nhap');
  });
});
