/**
 * IMAP test helpers over the whole real server (test/helpers/server.ts: real store, directory and
 * listeners on 127.0.0.1 port 0): `startImapTestServer()` adds the user annv (PASSWORD) and exposes
 * the store; `RawClient` is a line-level client for exact protocol assertions; `imapflow()` builds
 * an imapflow client.
 */
import net from 'node:net';
import tls from 'node:tls';
import { ImapFlow } from 'imapflow';
import type { ConfigInput } from '../../src/config/index.js';
import type { AppContext } from '../../src/context.js';
import type { Directory } from '../../src/directory/index.js';
import type { MailStore } from '../../src/store/api.js';
import { asAccountId } from '../../src/store/types.js';
import { TEST_DOC, startTestServer, type TestServer } from '../helpers/server.js';

export const PASSWORD = 'mật khẩu đúng 123';
export const ANNV = asAccountId('annv@cantho.gov.vn');
/** What directory changes in tests are recorded with. */
export const CHANGE = { actor: 'cli:test', doc: TEST_DOC };

export interface ImapTestServer {
  readonly store: MailStore;
  readonly directory: Directory;
  readonly ports: TestServer['ports'];
  readonly context: AppContext;
  readonly server: TestServer;
  /** Adds a person with PASSWORD (or `password`) in unit `unit` (default vpubnd); returns the address. */
  addUser(local: string, options?: { unit?: string; password?: string; name?: string }): Promise<string>;
  close(): Promise<void>;
}

/** The real server with one user, annv (Nguyễn Văn An, password PASSWORD), whose folders exist. */
export async function startImapTestServer(config: ConfigInput = {}): Promise<ImapTestServer> {
  const server = await startTestServer({ config });
  const context = server.server.context;
  const addUser: ImapTestServer['addUser'] = async (local, options = {}) => {
    const user = await server.addUser(options.name ?? `Người Dùng ${local}`, { address: local, password: options.password ?? PASSWORD, ...(options.unit ? { unit: options.unit } : {}) });
    await context.store.ensureAccount(asAccountId(user.address));
    return user.address;
  };
  await addUser('annv', { name: 'Nguyễn Văn An' });
  return { store: context.store, directory: server.directory, ports: server.ports, context, server, addUser, close: () => server.close() };
}

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

  /** `localAddress`: another loopback address (127.0.0.2, …) plays another client. */
  static async connect(port: number, secure = false, localAddress?: string): Promise<RawClient> {
    const from = localAddress ? { localAddress } : {};
    const socket = secure
      ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...from })
      : net.connect({ host: '127.0.0.1', port, ...from });
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

  /**
   * The default wait only catches a hang: on a loaded machine a first command (a worker thread's
   * start, a spooled message) can take seconds. A test that expects silence passes its own.
   */
  async readLine(timeoutMs = 60_000): Promise<string> {
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
  async until(done: (line: string) => boolean, timeoutMs = 60_000): Promise<string[]> {
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
  async waitClosed(timeoutMs = 30_000): Promise<boolean> {
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
