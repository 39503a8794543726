import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext } from 'playwright-core';
import type { ConfigInput } from '../../src/config/index.js';
import type { Directory } from '../../src/directory/index.js';
import { asAccountId } from '../../src/store/types.js';
import { startTestServer, TEST_DOC, type TestServer } from '../helpers/server.js';

/** Officials every web test starts with. `an` still has the password he was given (must change). */
export const PEOPLE = {
  an: { address: 'annv@cantho.gov.vn', name: 'Nguyễn Văn Ân', initial: 'Cap-moi-2026-xyz' },
  dao: { address: 'daott@cantho.gov.vn', name: 'Trần Thị Đào', password: 'Song-Hau-chay-mai-7' },
  binh: { address: 'binhlq@cantho.gov.vn', name: 'Lê Quang Bình', password: 'Cau-Can-Tho-dai-nhat' },
} as const;

export interface WebHarness {
  readonly url: string;
  readonly port: number;
  readonly directory: Directory;
  readonly server: TestServer;
  close(): Promise<void>;
}

/**
 * The whole server (startTestServer) with the password lifecycle on (`require_password_change`),
 * two units and three officials: `an` with the password he was given, `dao` and `binh` with
 * their own. Config tables given here are merged over that.
 */
export async function startWebHarness(config: ConfigInput = {}, options: { clock?: () => Date } = {}): Promise<WebHarness> {
  const server = await startTestServer({ config: { ...config, policy: { require_password_change: true, ...config.policy } }, ...options });
  const { directory } = server;
  const request = { actor: 'cli:test', doc: TEST_DOC };
  await server.addUnit('vpubnd', 'Văn phòng UBND thành phố');
  await server.addUnit('sotttt', 'Sở Thông tin và Truyền thông');
  await directory.admin.addPerson(
    { name: PEOPLE.an.name, unit: 'vpubnd', title: 'Chánh Văn phòng', phone: '0292 3820 123', password: PEOPLE.an.initial },
    request,
  );
  for (const [person, unit, title] of [
    [PEOPLE.dao, 'sotttt', 'Giám đốc'],
    [PEOPLE.binh, 'vpubnd', 'Chuyên viên'],
  ] as const) {
    await directory.admin.addPerson({ name: person.name, unit, title, password: 'Tam-thoi-2026-abc' }, request);
    const settled = await directory.changePassword(asAccountId(person.address), 'Tam-thoi-2026-abc', person.password, { protocol: 'cli', ip: '127.0.0.1' });
    if (!settled.ok) throw new Error(`test setup: ${settled.message}`);
  }
  return {
    url: `http://127.0.0.1:${server.ports.http}`,
    port: server.ports.http,
    directory,
    server,
    close: () => server.close(),
  };
}

export interface CurlResult {
  readonly status: number;
  /** Header names lowercase; repeated headers joined with "\n". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const execFileAsync = promisify(execFile);

/**
 * One request with the real curl client. `--include` puts the status line and headers before
 * the body; nothing follows redirects, so 303s are asserted as they are.
 */
export async function curl(url: string, args: readonly string[] = []): Promise<CurlResult> {
  const { stdout } = await execFileAsync('curl', ['--silent', '--show-error', '--include', '--max-time', '20', ...args, url], {
    maxBuffer: 16 * 1024 * 1024,
    encoding: 'utf8',
  });
  const split = stdout.indexOf('\r\n\r\n');
  const head = stdout.slice(0, split);
  const body = stdout.slice(split + 4);
  const [statusLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}\n${value}`;
  }
  return { status: Number(statusLine!.split(' ')[1]), headers, body };
}

/** The session cookie pair (`name=value`) a response set, or null. */
export function sessionCookieOf(result: CurlResult): string | null {
  const setCookie = result.headers['set-cookie'];
  if (!setCookie) return null;
  const match = /^((?:__Host-)?cm_sid=[^;]*)/m.exec(setCookie);
  return match ? match[1]! : null;
}

/** The CSRF token of the first form of a page. */
export function csrfTokenOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1]!;
}

/** Opens the sign-in page with curl: a fresh anonymous session and its token. */
export async function anonymousSession(url: string): Promise<{ cookie: string; token: string }> {
  const page = await curl(`${url}/dang-nhap`);
  return { cookie: sessionCookieOf(page)!, token: csrfTokenOf(page.body) };
}

/** Signs in with curl; returns the response (303 on success) and the session cookie it set. */
export async function signIn(url: string, login: string, password: string): Promise<{ response: CurlResult; cookie: string | null }> {
  const anonymous = await anonymousSession(url);
  const response = await curl(`${url}/dang-nhap`, [
    '--cookie', anonymous.cookie,
    '--data-urlencode', `_csrf=${anonymous.token}`,
    '--data-urlencode', `login=${login}`,
    '--data-urlencode', `password=${password}`,
  ]);
  return { response, cookie: sessionCookieOf(response) };
}

/** Posts the change-password form (/doi-mat-khau) with curl: `token` is the CSRF token of the page the session got. */
export function postPasswordChange(url: string, cookie: string, token: string, current: string, next: string, confirm = next): Promise<CurlResult> {
  return curl(`${url}/doi-mat-khau`, [
    '--cookie', cookie,
    '--data-urlencode', `_csrf=${token}`,
    '--data-urlencode', `current=${current}`,
    '--data-urlencode', `new=${next}`,
    '--data-urlencode', `confirm=${confirm}`,
  ]);
}

/** Without the background-networking flags Chromium keeps dialling Google, which this network refuses. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Debian's Chromium (installed by scripts/test-all.sh; Playwright downloads no browser), headless,
 * with a fresh profile and JavaScript switched off: the site must work without it.
 */
export async function launchChromium(): Promise<Chromium> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'cm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    javaScriptEnabled: false,
    acceptDownloads: true,
    locale: 'vi-VN',
    viewport: { width: 1100, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
