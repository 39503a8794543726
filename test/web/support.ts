import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { configFromObject, type ConfigInput } from '../../src/config/index.js';
import type { AppContext } from '../../src/context.js';
import { addPerson, addUnit, Directory } from '../../src/directory/index.js';
import { openDatabase, SqliteMailStore } from '../../src/store/index.js';
import { SqliteOutboundQueue } from '../../src/store/queue.js';
import { asAccountId } from '../../src/store/types.js';
import type { WebOptions } from '../../src/web/app.js';
import { startWeb } from '../../src/web/server.js';

/** Cheap argon2id for tests: the parameters travel in the hash, production's defaults are untouched. */
const TEST_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const ADMIN = { actor: 'cli:test', doc: '15/QĐ-UBND' };

/** Officials every web test starts with. `an` still has the password he was given (must change). */
export const PEOPLE = {
  an: { address: 'annv@cantho.gov.vn', name: 'Nguyễn Văn Ân', initial: 'Cap-moi-2026-xyz' },
  dao: { address: 'daott@cantho.gov.vn', name: 'Trần Thị Đào', password: 'Song-Hau-chay-mai-7' },
  binh: { address: 'binhlq@cantho.gov.vn', name: 'Lê Quang Bình', password: 'Cau-Can-Tho-dai-nhat' },
} as const;

export interface WebHarness {
  readonly url: string;
  readonly port: number;
  readonly ctx: AppContext;
  readonly directory: Directory;
  close(): Promise<void>;
}

export interface WebHarnessOptions {
  readonly config?: ConfigInput;
  readonly web?: WebOptions;
}

/**
 * The real web listener on 127.0.0.1, port 0, over a real store and directory in a temp data
 * directory, with two units and three officials. Throttling delays are short so that tests of
 * locks stay fast; the counts before delay and lock are the configured ones.
 */
export async function startWebHarness(options: WebHarnessOptions = {}): Promise<WebHarness> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-'));
  const input = options.config ?? {};
  const config = configFromObject({
    ...input,
    server: { data_dir: dir, log_level: 'silent', ...input.server },
    http: { listen: '127.0.0.1:0', ...input.http },
  });
  const logger = pino({ level: config.server.log_level });
  const db = openDatabase(config.paths.database);
  const store = new SqliteMailStore(db);
  const directory = new Directory({ db, config, store, logger, argon2: TEST_ARGON2, throttle: { baseDelayMs: 20, maxDelayMs: 200 } });
  const ctx: AppContext = {
    config,
    logger,
    store,
    queue: new SqliteOutboundQueue(db),
    directory,
    filters: { check: () => Promise.reject(new Error('the web listener filters no mail')) },
    tls: { key: Buffer.alloc(0), cert: Buffer.alloc(0) },
    resolver: () => Promise.resolve([]),
  };

  const d = directory.context;
  addUnit(d, { localPart: 'vpubnd', name: 'Văn phòng UBND thành phố' }, ADMIN);
  addUnit(d, { localPart: 'sotttt', name: 'Sở Thông tin và Truyền thông' }, ADMIN);
  await addPerson(d, { name: PEOPLE.an.name, unit: 'vpubnd', title: 'Chánh Văn phòng', phone: '0292 3820 123', password: PEOPLE.an.initial }, ADMIN);
  for (const [person, unit, title] of [
    [PEOPLE.dao, 'sotttt', 'Giám đốc'],
    [PEOPLE.binh, 'vpubnd', 'Chuyên viên'],
  ] as const) {
    await addPerson(d, { name: person.name, unit, title, password: 'Tam-thoi-2026-abc' }, ADMIN);
    const settled = await directory.changePassword(asAccountId(person.address), 'Tam-thoi-2026-abc', person.password, { protocol: 'cli', ip: '127.0.0.1' });
    if (!settled.ok) throw new Error(`test setup: ${settled.message}`);
  }

  const listeners = await startWeb(ctx, options.web);
  const web = listeners[0]!;
  return {
    url: `http://127.0.0.1:${web.port}`,
    port: web.port,
    ctx,
    directory,
    async close() {
      for (const listener of listeners) await listener.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
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
