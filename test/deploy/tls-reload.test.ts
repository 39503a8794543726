/**
 * TLS that renews (docs/admin-guide.en.md "TLS"): `serve` takes a new certificate and key for new
 * connections on SIGHUP and when the files are replaced, on every TLS listener (SMTP submissions
 * and STARTTLS, IMAP implicit TLS and STARTTLS); a pair that does not load is refused with a log
 * line and the one in use is kept. Certificates from openssl; the serial tells them apart.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, copyFileSync, renameSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCliFixture, type CliFixture } from '../cli/cli-helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

let cli: CliFixture;
let server: ChildProcess;
let log = '';
let listeners: Map<string, number>;

/** A self-signed pair with this serial, written to `<dir>/<name>.crt` and `.key`. */
function makePair(name: string, serial: number): { cert: string; key: string } {
  const cert = path.join(cli.dir, `${name}.crt`);
  const key = path.join(cli.dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', '/CN=mail.cantho.gov.vn', '-set_serial', String(serial)], { stdio: 'ignore' });
  return { cert, key };
}

/** Replaces the installed pair as an ACME client does: each file written aside, then renamed over. */
function install(pair: { cert: string; key: string }): void {
  for (const [from, to] of [[pair.cert, 'server.crt'], [pair.key, 'server.key']] as const) {
    copyFileSync(from, path.join(cli.dir, `${to}.new`));
    renameSync(path.join(cli.dir, `${to}.new`), path.join(cli.dir, to));
  }
}

async function logLine(pattern: RegExp, after: number): Promise<void> {
  while (!pattern.test(log.slice(after))) await once(server.stdout!, 'data');
}

/** The serial of the certificate the listener presents to a new connection (implicit TLS or STARTTLS). */
async function serialOf(listener: 'smtp-submissions' | 'smtp-submission' | 'imaps' | 'imap'): Promise<string> {
  const port = listeners.get(listener)!;
  let socket: tls.TLSSocket;
  if (listener === 'smtp-submissions' || listener === 'imaps') {
    socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  } else {
    const plain = net.connect({ host: '127.0.0.1', port });
    const replies = lines(plain);
    if (listener === 'smtp-submission') {
      await replies(/^220 /);
      plain.write('EHLO client.example\r\n');
      await replies(/^250 /);
      plain.write('STARTTLS\r\n');
      await replies(/^220 /);
    } else {
      await replies(/^\* OK/);
      plain.write('a STARTTLS\r\n');
      await replies(/^a OK/);
    }
    plain.removeAllListeners('data');
    socket = tls.connect({ socket: plain, rejectUnauthorized: false });
  }
  await once(socket, 'secureConnect');
  const serial = socket.getPeerCertificate().serialNumber;
  socket.destroy();
  return serial;
}

/** Waits for a line matching each pattern in turn on a plaintext socket. */
function lines(socket: net.Socket): (pattern: RegExp) => Promise<void> {
  let buffered = '';
  socket.setEncoding('latin1').on('data', (chunk: string) => (buffered += chunk));
  return async (pattern) => {
    for (;;) {
      const complete = buffered.split('\r\n');
      const index = complete.slice(0, -1).findIndex((line) => pattern.test(line));
      if (index >= 0) {
        buffered = complete.slice(index + 1).join('\r\n');
        return;
      }
      await once(socket, 'data');
    }
  };
}

async function serials(): Promise<string[]> {
  return [await serialOf('smtp-submissions'), await serialOf('smtp-submission'), await serialOf('imaps'), await serialOf('imap')];
}

beforeAll(async () => {
  cli = createCliFixture(
    [
      '[smtp]',
      'mx = "127.0.0.1:0"',
      'submission = "127.0.0.1:0"',
      'submissions = "127.0.0.1:0"',
      '[imap]',
      'listen = "127.0.0.1:0"',
      'tls_listen = "127.0.0.1:0"',
      '[http]',
      'listen = "127.0.0.1:0"',
      '[sieve]',
      'managesieve = "127.0.0.1:0"',
      '[ldap]',
      'listen = "127.0.0.1:0"',
      'tls_listen = "127.0.0.1:0"',
      '',
    ].join('\n'),
  );
  // The pair lives in the fixture's directory, known only once it exists.
  appendFileSync(cli.configFile, `[tls]\ncert = ${JSON.stringify(path.join(cli.dir, 'server.crt'))}\nkey = ${JSON.stringify(path.join(cli.dir, 'server.key'))}\n`);
  copyFileSync(path.join(ROOT, 'config/spam-rules.toml'), path.join(cli.dir, 'spam-rules.toml'));
  install(makePair('first', 0x1001));
  server = spawn(process.execPath, [path.join(ROOT, 'bin/cantho-mail.mjs'), '--config', cli.configFile, 'serve'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  server.stdout!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  await logLine(/"cantho-mail started"/, 0);
  const started = JSON.parse(log.split('\n').find((line) => line.includes('"cantho-mail started"'))!) as { listeners: string[] };
  listeners = new Map(started.listeners.map((entry) => [entry.slice(0, entry.indexOf('=')), Number(entry.slice(entry.lastIndexOf(':') + 1))]));
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
  cli?.remove();
});

it('serves the new certificate on every TLS listener after SIGHUP, and keeps it when a bad pair follows', async () => {
  expect(await serials()).toEqual(['1001', '1001', '1001', '1001']);
  const second = makePair('second', 0x2002);
  // Renamed in place, then SIGHUP at once: the reload must not wait for the file watch.
  const before = log.length;
  install(second);
  server.kill('SIGHUP');
  await logLine(/"TLS certificate reloaded"/, before);
  expect(await serials()).toEqual(['2002', '2002', '2002', '2002']);

  // A renewal gone wrong: the key of another pair. Refused with a log line; 2002 stays.
  const other = makePair('other', 0x3003);
  const refusedAt = log.length;
  install({ cert: other.cert, key: second.key });
  server.kill('SIGHUP');
  await logLine(/"TLS certificate not reloaded: the new pair does not load; the previous one stays in use"/, refusedAt);
  expect(await serials()).toEqual(['2002', '2002', '2002', '2002']);
});

it('takes a pair renewed on disk without a signal', async () => {
  const renewed = makePair('renewed', 0x4004);
  const before = log.length;
  install(renewed);
  await logLine(/"TLS certificate reloaded"/, before);
  expect(await serials()).toEqual(['4004', '4004', '4004', '4004']);
});
