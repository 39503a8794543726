/**
 * Shared set-up of the message-command tests (fetch, store, search, copy, move, expunge, append):
 * the whole server from startTestServer() with one official, messages delivered straight into the
 * store, and logged-in clients (raw lines for exact assertions, imapflow as a real client).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import type { MailStore } from '../../src/store/api.js';
import { asAccountId, type AccountId, type Flag } from '../../src/store/types.js';
import { startTestServer, type TestServer, type TestServerOptions, type TestUser } from '../helpers/server.js';
import { RawClient } from './support.js';

export interface MessageTestBed {
  readonly server: TestServer;
  readonly user: TestUser;
  readonly account: AccountId;
  readonly store: MailStore;
  /** Delivers into the user's INBOX (or Junk) and returns the UID. */
  deliver(raw: Buffer | string, options?: { internalDate?: Date; flags?: readonly Flag[] }): Promise<number>;
  /** A raw client logged in as the user, with `mailbox` selected when given. */
  login(mailbox?: string): Promise<RawClient>;
  imapflow(): Promise<ImapFlow>;
  close(): Promise<void>;
}

export async function startMessageTestBed(options: TestServerOptions = {}): Promise<MessageTestBed> {
  const server = await startTestServer(options);
  const user = await server.addUser('Nguyễn Văn An');
  const account = asAccountId(user.address);
  const store = server.server.context.store;
  await store.ensureAccount(account);
  const clients: Array<RawClient | ImapFlow> = [];
  return {
    server,
    user,
    account,
    store,
    async deliver(raw, deliverOptions = {}) {
      const result = await store.deliver([{ account, folder: 'INBOX' }], Buffer.isBuffer(raw) ? raw : Buffer.from(raw), deliverOptions);
      return result.delivered[0]!.uid;
    },
    async login(mailbox) {
      const client = await RawClient.connect(server.ports.imap);
      clients.push(client);
      const reply = await client.command('L', `LOGIN ${user.address} "${user.password}"`);
      if (!reply.at(-1)!.startsWith('L OK')) throw new Error(`login failed: ${reply.join(' | ')}`);
      if (mailbox) {
        const selected = await client.command('S', `SELECT ${mailbox}`);
        if (!selected.at(-1)!.startsWith('S OK')) throw new Error(`select failed: ${selected.join(' | ')}`);
      }
      return client;
    },
    async imapflow() {
      const client = new ImapFlow({
        host: '127.0.0.1',
        port: server.ports.imap,
        secure: false,
        doSTARTTLS: false,
        auth: { user: user.address, pass: user.password },
        logger: false,
        disableAutoIdle: true,
      });
      clients.push(client);
      await client.connect();
      return client;
    },
    async close() {
      for (const client of clients) {
        if (client instanceof RawClient) client.close();
        else client.close();
      }
      await server.close();
    },
  };
}

/** A plain-text message with CRLF line ends. */
/**
 * Runs Python's imaplib as the bed's user with INBOX selected: `statements` are Python lines using
 * `c`, the connection; returns what they print, one line per `print`.
 */
export async function imaplibInInbox(bed: Pick<MessageTestBed, 'server' | 'user'>, statements: readonly string[]): Promise<string[]> {
  const script = [
    'import imaplib, sys',
    'c = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))',
    // The test password is not ASCII, which imaplib's LOGIN cannot send; AUTHENTICATE PLAIN can.
    'c.authenticate("PLAIN", lambda _: ("\\0" + sys.argv[2] + "\\0" + sys.argv[3]).encode())',
    'c.select("INBOX")',
    ...statements,
    'c.logout()',
  ].join('\n');
  const { stdout } = await promisify(execFile)('python3', ['-c', script, String(bed.server.ports.imap), bed.user.address, bed.user.password]);
  return stdout.trim().split('\n');
}

export function textMessage(subject: string, body = 'Kính gửi anh An,\r\nxin gửi báo cáo.', extraHeaders: readonly string[] = []): Buffer {
  return Buffer.from(
    [
      'From: Trần Thị Đào <daott@cantho.gov.vn>',
      'To: Nguyễn Văn An <annv@cantho.gov.vn>',
      `Subject: ${subject}`,
      'Date: Sat, 28 Nov 2026 08:00:00 +0700',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      ...extraHeaders,
      '',
      body,
      '',
    ].join('\r\n'),
    'utf8',
  );
}

/** A multipart/mixed with a text part, an enclosed multipart/alternative message and a PDF. */
export const NESTED = Buffer.from(
  [
    'From: Trần Thị Đào <daott@cantho.gov.vn>',
    'To: annv@cantho.gov.vn',
    'Subject: =?utf-8?B?QsOhbyBjw6Fv?=',
    'Date: Sat, 28 Nov 2026 08:00:00 +0700',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    'preamble',
    '--outer',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Language: vi',
    '',
    'Xin chào',
    '--outer',
    'Content-Type: message/rfc822',
    'Content-Description: forwarded',
    '',
    'From: inner@example.org',
    'Subject: inner',
    'Message-ID: <inner@example.org>',
    'Content-Type: multipart/alternative; boundary="inner"',
    '',
    '--inner',
    'Content-Type: text/plain',
    '',
    'inner text',
    '--inner',
    'Content-Type: text/html; charset=us-ascii',
    '',
    '<p>inner</p>',
    '--inner--',
    '',
    '--outer',
    'Content-Type: application/pdf; name="a.pdf"',
    'Content-Disposition: attachment; filename="a.pdf"',
    'Content-Transfer-Encoding: base64',
    'Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==',
    'Content-Location: http://example.org/a.pdf',
    'Content-Language: vi, en',
    '',
    'QUJD',
    '--outer--',
    '',
  ].join('\r\n'),
);
