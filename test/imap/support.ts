/**
 * IMAP test harness: the real listener (startImap) over a real SqliteMailStore in a temp data dir,
 * on 127.0.0.1 port 0, with a small in-memory directory so each test can say exactly which login
 * answers what (ok, expired, locked, suspended). Also a raw line client (`RawClient`) for exact
 * protocol assertions, and an imapflow factory.
 */
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { ImapFlow } from 'imapflow';
import pino from 'pino';
import { configFromObject, type ConfigInput } from '../../src/config/index.js';
import type { AppContext, RunningListener } from '../../src/context.js';
import type { AuditEntry, DirectoryService, UnitAccess } from '../../src/directory/api.js';
import type { Identity, LoginContext, LoginFailure, LoginResult, RecipientResolution, Rights } from '../../src/directory/types.js';
import { ALL_RIGHTS } from '../../src/directory/types.js';
import { startImap } from '../../src/imap/server.js';
import { openDatabase } from '../../src/store/database.js';
import { SqliteMailStore } from '../../src/store/sqlite-store.js';
import { asAccountId, type AccountId } from '../../src/store/types.js';
import { loadTlsMaterial } from '../../src/tls.js';

export const PASSWORD = 'mật khẩu đúng 123';

interface FakeUser {
  password: string;
  failure: LoginFailure | null;
  identity: Identity;
}

/** Just enough of the directory for IMAP: logins, revalidation and 'changed' events. */
export class FakeDirectory implements Pick<DirectoryService, 'events' | 'localDomains' | 'verifyLogin' | 'revalidate' | 'rightsOn' | 'unitAccess' | 'audit'> {
  readonly events = new EventEmitter<{ changed: [AccountId] }>();
  readonly localDomains = ['cantho.gov.vn'];
  readonly users = new Map<AccountId, FakeUser>();
  /** Every login attempt: the name as the session passed it, and the context. */
  readonly logins: Array<{ login: string; context: LoginContext }> = [];
  /** ms a failed login should wait (LoginResult.delayMs). */
  failureDelayMs = 0;

  addUser(local: string, failure: LoginFailure | null = null, password = PASSWORD): AccountId {
    const account = asAccountId(`${local}@cantho.gov.vn`);
    this.users.set(account, { password, failure, identity: { person: account, account, displayName: local, rights: ALL_RIGHTS } });
    return account;
  }

  /** Ends the user's sessions the way a password reset or retirement does. */
  withdraw(account: AccountId): void {
    this.users.delete(account);
    this.events.emit('changed', account);
  }

  async verifyLogin(login: string, password: string, context: LoginContext): Promise<LoginResult> {
    this.logins.push({ login, context });
    const lower = login.toLowerCase();
    const user = this.users.get(asAccountId(lower.includes('@') ? lower : `${lower}@cantho.gov.vn`));
    if (!user || user.password !== password) return { ok: false, reason: 'bad-credentials', delayMs: this.failureDelayMs };
    if (user.failure) return { ok: false, reason: user.failure, delayMs: 0 };
    return { ok: true, identity: user.identity };
  }

  revalidate(identity: Identity): Identity | null {
    return this.users.get(identity.person)?.identity ?? null;
  }

  rightsOn(person: AccountId, owner: AccountId): Rights {
    return person === owner ? ALL_RIGHTS : '';
  }

  unitAccess(): UnitAccess[] {
    return [];
  }

  audit(_entry: AuditEntry): void {}

  resolveRecipient(): RecipientResolution {
    return { ok: false, reason: 'unknown' };
  }
}

export interface ImapTestServer {
  readonly store: SqliteMailStore;
  readonly directory: FakeDirectory;
  readonly ports: { readonly imap: number; readonly imaps: number };
  readonly dataDir: string;
  readonly context: AppContext;
  close(): Promise<void>;
}

/** A self-signed pair made with openssl (the test machine has it), in the test's data dir. */
function makeCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key };
}

/** A server with one user, annv (password PASSWORD), unless the test adds more. */
export async function startImapTestServer(overrides: ConfigInput = {}): Promise<ImapTestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-'));
  const config = configFromObject({
    ...overrides,
    tls: makeCertificate(dataDir),
    server: { data_dir: dataDir, ...overrides.server },
    imap: { listen: '127.0.0.1:0', tls_listen: '127.0.0.1:0', allow_plaintext_auth: true, ...overrides.imap },
  });
  const store = new SqliteMailStore(openDatabase(config.paths.database));
  const directory = new FakeDirectory();
  directory.addUser('annv');
  const context = {
    config,
    logger: pino({ level: process.env.IMAP_TEST_LOG ?? 'silent' }),
    store,
    directory: directory as unknown as DirectoryService,
    tls: await loadTlsMaterial(config),
  } as unknown as AppContext;
  const listeners: RunningListener[] = await startImap(context);
  const port = (name: string): number => listeners.find((l) => l.name === name)?.port ?? 0;
  return {
    store,
    directory,
    dataDir,
    context,
    ports: { imap: port('imap'), imaps: port('imaps') },
    async close() {
      await Promise.all(listeners.map((l) => l.close()));
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const ANNV = asAccountId('annv@cantho.gov.vn');

export function imapflow(server: ImapTestServer, options: { user?: string; secure?: boolean; pass?: string } = {}): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: options.secure ? server.ports.imaps : server.ports.imap,
    secure: options.secure ?? false,
    doSTARTTLS: false,
    tls: { rejectUnauthorized: false },
    auth: { user: options.user ?? 'annv', pass: options.pass ?? PASSWORD },
    logger: false,
    disableAutoIdle: true,
  });
}

/** A small RFC 5322 message with CRLF line ends. */
export function message(subject = 'Báo cáo tuần', body = 'Kính gửi anh An,\r\nxin gửi báo cáo.'): Buffer {
  return Buffer.from(
    [
      'From: Trần Thị Đào <daott@cantho.gov.vn>',
      'To: Nguyễn Văn An <annv@cantho.gov.vn>',
      `Subject: ${subject}`,
      `Message-ID: <${Math.random().toString(36).slice(2)}@cantho.gov.vn>`,
      'Date: Sat, 28 Nov 2026 08:00:00 +0700',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      body,
      '',
    ].join('\r\n'),
    'utf8',
  );
}

/**
 * A line-level client for exact assertions. `send` writes raw bytes; `readLine` and `until` wait
 * for server lines; `command` sends a tagged command and returns every line up to its tagged reply.
 */
export class RawClient {
  private buffer = '';
  private readonly lines: string[] = [];
  private waiter: (() => void) | null = null;
  closed = false;

  private constructor(public socket: net.Socket | tls.TLSSocket) {
    this.listen(socket);
  }

  static async connect(port: number, secure = false): Promise<RawClient> {
    const socket = secure
      ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false })
      : net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once(secure ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    const client = new RawClient(socket);
    await client.readLine(); // greeting
    return client;
  }

  private listen(socket: net.Socket): void {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffer += text;
      let index: number;
      while ((index = this.buffer.indexOf('\r\n')) >= 0) {
        this.lines.push(this.buffer.slice(0, index));
        this.buffer = this.buffer.slice(index + 2);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  /** Upgrades the connection after a STARTTLS OK. */
  async startTls(): Promise<void> {
    this.socket.removeAllListeners('data');
    const secure = tls.connect({ socket: this.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.listen(secure);
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  async readLine(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a line');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, left);
      });
    }
    return this.lines.shift()!;
  }

  /** Lines up to and including the first one that satisfies `done`. */
  async until(done: (line: string) => boolean, timeoutMs = 5000): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const line = await this.readLine(timeoutMs);
      out.push(line);
      if (done(line)) return out;
    }
  }

  async command(tag: string, text: string): Promise<string[]> {
    this.send(`${tag} ${text}\r\n`);
    return this.until((line) => line.startsWith(`${tag} `));
  }

  /** Whether the server closed the connection within `timeoutMs`. */
  async waitClosed(timeoutMs = 3000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}

export async function loggedIn(server: ImapTestServer, user = 'annv'): Promise<RawClient> {
  const client = await RawClient.connect(server.ports.imap);
  const reply = await client.command('L', `LOGIN ${user} "${PASSWORD}"`);
  if (!reply[reply.length - 1]!.startsWith('L OK')) throw new Error(`login failed: ${reply.join(' | ')}`);
  return client;
}
