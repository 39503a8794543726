import { execFile } from 'node:child_process';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { PASSWORD } from './support.js';

/** Real clients on the unit mailbox tests: Python's imaplib for reading notices and flags, imapflow for APPEND. */

/** Notices read back with Python's imaplib (clients/imaplib_notices.py). */
export interface ReadNotice {
  readonly subject: string;
  readonly to: string;
  readonly body: string;
}

const SCRIPT = path.join(import.meta.dirname, 'clients', 'imaplib_notices.py');

/** The INBOX messages of `user` (password PASSWORD) whose Subject starts with `prefix`. */
export function noticesOf(port: number, user: string, prefix: string): Promise<ReadNotice[]> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [SCRIPT, String(port), user, PASSWORD, prefix], { timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as ReadNotice[]),
    );
  });
}

/** Puts a message into the unit INBOX with imapflow as `vpubnd*annv` (APPEND with its internal date, RFC 3501 §6.3.11). */
export async function appendToUnit(port: number, subject: string, internalDate: Date, flags: string[] = []): Promise<void> {
  const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user: 'vpubnd*annv', pass: PASSWORD }, logger: false });
  await client.connect();
  const raw = [
    'From: =?UTF-8?Q?S=E1=BB=9F_Y_t=E1=BA=BF?= <vanthu@soyte.example>',
    'To: vpubnd@cantho.gov.vn',
    `Subject: ${subject}`,
    `Date: ${internalDate.toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Đề nghị phối hợp.',
    '',
  ].join('\r\n');
  await client.append('INBOX', Buffer.from(raw, 'utf8'), flags, internalDate);
  await client.logout();
}

/**
 * FETCH 1:* (FLAGS) of `mailbox` with Python's imaplib, one line per message. RFC 3501 §9: "*" is
 * no ATOM-CHAR, so a `unit*person` login goes quoted (imaplib quotes only the password).
 */
export function imaplibFlags(port: number, login: string, password: string, mailbox = 'INBOX'): Promise<string> {
  const program = [
    'import imaplib',
    `m = imaplib.IMAP4("127.0.0.1", ${port})`,
    `m.login(${JSON.stringify(login.includes('*') ? `"${login}"` : login)}, ${JSON.stringify(password)})`,
    `m.select(${JSON.stringify(mailbox)}, readonly=True)`,
    'typ, data = m.fetch("1:*", "(FLAGS)")',
    'print("\\n".join(d.decode() for d in data))',
    'm.logout()',
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = execFile('/usr/bin/python3', ['-'], { timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.trim())));
    child.stdin!.end(`${program}\n`);
  });
}
