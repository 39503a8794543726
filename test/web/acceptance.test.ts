import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { curl, launchChromium, signIn, type Chromium } from './support.js';

/**
 * Acceptance of the password lifecycle (docs/architecture.md "Password lifecycle"): a new official created with the CLI is refused by Python's imaplib with
 * [EXPIRED], changes the password in Chromium on the web page, then logs in with imaplib.
 */

const run = promisify(execFile);
const GIVEN = 'Cap-moi-2026-xyz';
const CHOSEN = 'Ben Ninh Kieu 2026';

/** LOGIN with imaplib; prints "OK" or the server's NO text. */
const IMAPLIB = `
import imaplib, sys
imap = imaplib.IMAP4(sys.argv[1], int(sys.argv[2]))
try:
    typ, data = imap.login(sys.argv[3], sys.argv[4])
    typ, data = imap.select('INBOX')
    print('OK', typ)
    imap.logout()
except imaplib.IMAP4.error as error:
    print('NO', error)
`;

let ts: TestServer;
let browser: Chromium;
let configFile: string;

beforeAll(async () => {
  ts = await startTestServer({ config: { policy: { require_password_change: true } } });
  // The CLI works on the same database file while the server runs (DESIGN.md "CLI").
  configFile = path.join(ts.dataDir, 'cli.toml');
  writeFileSync(configFile, `[server]\ndata_dir = ${JSON.stringify(ts.dataDir)}\nlog_level = "silent"\n`);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await ts?.close();
});

async function cli(args: string[], stdin?: string): Promise<string> {
  const child = run('node', ['bin/cantho-mail.mjs', ...args, '--config', configFile], { encoding: 'utf8' });
  if (stdin !== undefined) {
    child.child.stdin!.end(stdin);
  }
  return (await child).stdout;
}

async function imapLogin(user: string, password: string): Promise<string> {
  const { stdout } = await run('python3', ['-c', IMAPLIB, '127.0.0.1', String(ts.ports.imap), user, password], { encoding: 'utf8' });
  return stdout.trim();
}

it('a new official: EXPIRED in imaplib, a new password in Chromium, then a login', async () => {
  await cli(['unit', 'add', 'vpubnd', '--name', 'Văn phòng UBND thành phố', '--doc', '1/QĐ-UBND']);
  await cli(['person', 'add', '--name', 'Nguyễn Văn Ân', '--unit', 'vpubnd', '--doc', '2/QĐ-UBND', '--password-stdin'], `${GIVEN}\n`);

  const refused = await imapLogin('annv@cantho.gov.vn', GIVEN);
  expect(refused).toMatch(/^NO b'\[EXPIRED\] .*http:\/\/127\.0\.0\.1:\d+\//);

  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(`http://127.0.0.1:${ts.ports.http}/`);
  await page.getByLabel('Tên đăng nhập').fill('annv');
  await page.getByLabel('Mật khẩu').fill(GIVEN);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  expect(new URL(page.url()).pathname).toBe('/doi-mat-khau');
  await page.getByLabel('Mật khẩu hiện tại').fill(GIVEN);
  await page.getByLabel('Mật khẩu mới', { exact: true }).fill(CHOSEN);
  await page.getByLabel('Nhập lại mật khẩu mới').fill(CHOSEN);
  await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
  expect(new URL(page.url()).pathname).toBe('/tra-cuu');

  expect(await imapLogin('annv@cantho.gov.vn', GIVEN)).toMatch(/^NO /);
  expect(await imapLogin('annv@cantho.gov.vn', CHOSEN)).toBe('OK OK');
});

// Continues from the test above: annv exists and signs in with the password he chose.
it('the web follows changes made with the CLI (another process): a new colleague, a password reset', async () => {
  const { cookie } = await signIn(`http://127.0.0.1:${ts.ports.http}`, 'annv', CHOSEN);
  const search = `http://127.0.0.1:${ts.ports.http}/tra-cuu?q=le+quang+binh`;
  expect((await curl(search, ['--cookie', cookie!])).body).toContain('Không tìm thấy ai khớp với “le quang binh”.');

  await cli(['person', 'add', '--name', 'Lê Quang Bình', '--unit', 'vpubnd', '--doc', '3/QĐ-UBND']);
  // The server notices another process's commit within a second (PRAGMA data_version).
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  expect((await curl(search, ['--cookie', cookie!])).body).toContain('<a href="mailto:binhlq@cantho.gov.vn">binhlq@cantho.gov.vn</a>');

  await cli(['person', 'password-reset', 'annv', '--password-stdin'], 'Cap-lai-2026-qrs\n');
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  const after = await curl(search, ['--cookie', cookie!]);
  expect(after.status).toBe(303);
  expect(after.headers['location']).toBe('/dang-nhap');
  expect(await imapLogin('annv@cantho.gov.vn', CHOSEN)).toMatch(/^NO /);
});
