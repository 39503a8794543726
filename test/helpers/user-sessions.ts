/**
 * Helpers for the tests of the regulation's policies (docs/architecture.md "Policies of the regulation"): the CLI (in-process through its entry
 * function, or as a child process) against a running test server's database, and the real clients — imapflow, Python imaplib/smtplib, curl.
 */
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ImapFlow } from 'imapflow';
import { runCli, runCliInProcess, type CliResult } from '../cli/cli-helpers.js';
import type { TestServer, TestUser } from './server.js';

/**
 * A config file for the CLI that points at the test server's data directory (same database), and
 * the CLI run with it: in this process through its entry function (its own database connection,
 * as a separate process has), or with `'process'` as a child process.
 */
export function cliFor(server: TestServer, extraToml = '', runIn: 'in-process' | 'process' = 'in-process'): (args: readonly string[], input?: string) => Promise<CliResult> {
  const file = path.join(server.dataDir, 'cli.toml');
  writeFileSync(file, `[server]\ndata_dir = ${JSON.stringify(server.dataDir)}\n${extraToml}`);
  const run = runIn === 'process' ? runCli : runCliInProcess;
  return (args, input) => run(['--config', file, ...args], input);
}

/** `use` with an imapflow client logged in as `user` over STARTTLS on the test server's IMAP port; logged out afterwards. */
export async function withImap<T>(server: TestServer, user: TestUser, use: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({ host: '127.0.0.1', port: server.ports.imap, secure: false, doSTARTTLS: true, tls: { rejectUnauthorized: false }, auth: { user: user.address, pass: user.password }, logger: false });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.logout();
  }
}

export interface FetchedMessage {
  readonly uid: number;
  readonly subject: string;
  readonly from: string;
  readonly to: string;
  readonly flags: readonly string[];
  readonly source: string;
}

/** Every message of a folder over IMAP (LOGIN, SELECT, FETCH ENVELOPE FLAGS BODY[]). */
export async function fetchFolder(port: number, user: string, password: string, folder = 'INBOX'): Promise<FetchedMessage[]> {
  const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user, pass: password }, logger: false });
  await client.connect();
  try {
    const lock = await client.getMailboxLock(folder);
    try {
      const messages: FetchedMessage[] = [];
      if ((client.mailbox as { exists: number }).exists === 0) return messages;
      for await (const m of client.fetch('1:*', { uid: true, envelope: true, flags: true, source: true })) {
        messages.push({
          uid: m.uid,
          subject: m.envelope?.subject ?? '',
          from: m.envelope?.from?.[0]?.address ?? '',
          to: m.envelope?.to?.[0]?.address ?? '',
          flags: [...(m.flags ?? [])].sort(),
          source: m.source?.toString('utf8') ?? '',
        });
      }
      return messages;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

const IMAP_CLIENT = path.join(import.meta.dirname, 'clients/imap_session.py');
const SMTP_CLIENT = path.join(import.meta.dirname, 'clients/smtp_session.py');

/** Python imaplib logs in (with an ID when `clientName` is given): "login OK" or "login NO <server text>". */
export function imaplibLogin(port: number, user: string, password: string, clientName?: string): Promise<string> {
  return new Promise((resolve) => {
    const env = { ...process.env, CLIENT_NAME: clientName ?? '' };
    execFile('python3', [IMAP_CLIENT, String(port), user, password], { timeout: 20_000, env }, (_error, stdout, stderr) => resolve(`${stdout}${stderr}`.trim()));
  });
}

/**
 * A Python session (imaplib or smtplib) that logs in and waits; `next()` makes it send its next
 * command (IMAP NOOP, SMTP MAIL FROM) and returns the line it printed about the answer.
 */
export async function openPythonSession(protocol: 'imap' | 'smtp', port: number, user: string, password: string): Promise<{ next(): Promise<string> }> {
  const child = spawn('python3', [protocol === 'imap' ? IMAP_CLIENT : SMTP_CLIENT, String(port), user, password, 'hold']);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  for (const expected of protocol === 'imap' ? ['login OK', 'ready'] : ['ready']) {
    const line = (await lines.next()).value as string | undefined;
    if (line !== expected) throw new Error(`python ${protocol} session: expected ${expected}, got ${line}`);
  }
  return {
    async next() {
      child.stdin.end('\n');
      const line = (await lines.next()).value as string;
      child.kill();
      return line;
    },
  };
}

export interface HttpAnswer {
  readonly status: number;
  /** Where a redirect points, '' otherwise. */
  readonly location: string;
  readonly body: string;
}

/** curl, with the status code and redirect target written after the body. */
export function curl(args: readonly string[]): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-o', '-', '-w', '\n%{http_code} %{redirect_url}', ...args], { timeout: 20_000 }, (error, stdout) => {
      if (error) return reject(error);
      const cut = stdout.lastIndexOf('\n');
      const [status, location = ''] = stdout.slice(cut + 1).split(' ');
      resolve({ status: Number(status), location, body: stdout.slice(0, cut) });
    });
  });
}

/** Signs in on the web page with curl and a cookie jar: GET the form for its CSRF token, then POST it. */
export async function curlSignIn(httpPort: number, user: string, password: string, jar: string): Promise<HttpAnswer> {
  const url = `http://127.0.0.1:${httpPort}/dang-nhap`;
  const form = await curl(['-c', jar, '-b', jar, url]);
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
  return curl(['-c', jar, '-b', jar, '--data-urlencode', `_csrf=${token}`, '--data-urlencode', `login=${user}`, '--data-urlencode', `password=${password}`, url]);
}
