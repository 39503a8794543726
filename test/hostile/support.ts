/**
 * What the hostile IMAP tests share: the README server's resident memory (read from /proc, so the
 * figure is the server's alone), a logged-in raw client over implicit TLS, APPEND of test
 * messages, the server's own counters from `/metrics`, a smarthost that keeps what it relays, and
 * nodemailer on the submissions port.
 */
import { readFileSync } from 'node:fs';
import nodemailer, { type Transporter } from 'nodemailer';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { freeLoopbackPort } from '../helpers/ports.js';
import { RawClient } from '../imap/support.js';
import type { Official, ReadmeServer } from '../interop/readme-server.js';

export const MB = 1024 * 1024;

/** VmRSS of a process, in bytes. */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

export const inMb = (bytes: number): string => `${(bytes / MB).toFixed(0)} MB`;

/** A raw client on the implicit-TLS port, logged in, with `mailbox` selected when given. */
export async function rawLogin(server: ReadmeServer, official: Official, mailbox?: string): Promise<RawClient> {
  const client = await RawClient.connect(server.ports.imaps, true);
  const login = await client.command('L', `LOGIN "${official.address}" "${official.password}"`);
  if (!login.at(-1)!.startsWith('L OK')) throw new Error(`login failed: ${login.join(' | ')}`);
  if (mailbox) {
    const selected = await client.command('S', `SELECT ${mailbox}`);
    if (!selected.at(-1)!.startsWith('S OK')) throw new Error(`select failed: ${selected.join(' | ')}`);
  }
  return client;
}

/** APPENDs `message` to INBOX `times` times over one connection. */
export async function appendMessages(client: RawClient, message: Buffer, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    client.send(`ap${i} APPEND INBOX {${message.length}}\r\n`);
    const ready = await client.readLine();
    if (!ready.startsWith('+')) throw new Error(`APPEND refused: ${ready}`);
    client.send(Buffer.concat([message, Buffer.from('\r\n')]));
    const done = await client.until((line) => line.startsWith(`ap${i} `), 30_000);
    if (!done.at(-1)!.startsWith(`ap${i} OK`)) throw new Error(`APPEND failed: ${done.join(' | ')}`);
  }
}

/** A plain-text message of about `size` octets of 7-bit body. */
export function sizedMessage(size: number, subject: string): Buffer {
  const line = `Bao cao so lieu thong ke quy ${'x'.repeat(40)}\r\n`;
  const body = line.repeat(Math.ceil(size / line.length));
  return Buffer.from(`From: daott@cantho.gov.vn\r\nTo: annv@cantho.gov.vn\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@cantho.gov.vn>\r\n\r\n${body}`, 'latin1');
}

/** One counter (no labels) from the server's `/metrics`. */
export async function counter(server: ReadmeServer, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text();
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

/** Polls the server's RSS until it is at most `target` or `timeoutMs` passed; returns the last figure. */
export async function settledRss(pid: number, target: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let rss = residentBytes(pid);
  while (rss > target && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    rss = residentBytes(pid);
  }
  return rss;
}

/** A smarthost on loopback (the server's `smtp.relay`) keeping what it is sent; `refuse` may turn a recipient away (an Error with a responseCode). */
export interface RelaySink {
  readonly port: number;
  readonly relayed: Array<{ readonly to: string[]; readonly raw: Buffer }>;
  close(): Promise<void>;
}

export async function startRelaySink(refuse: (address: SMTPServerAddress) => Error | undefined = () => undefined): Promise<RelaySink> {
  const port = await freeLoopbackPort();
  const relayed: RelaySink['relayed'] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 64 * MB,
    onRcptTo(address, _session, callback) {
      callback(refuse(address));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        relayed.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, relayed, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** nodemailer on the README server's submissions port (implicit TLS), as the official; slow sends allowed. */
export function submissionTransport(server: ReadmeServer, official: Official): Transporter {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port: server.ports.submissions,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: official.address, pass: official.password },
    socketTimeout: 300_000,
  });
}
