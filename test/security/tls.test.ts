/**
 * Security review, TLS (Standards: "no plaintext auth without TLS except on loopback in tests").
 * The server runs with `imap.allow_plaintext_auth = false`, as in production:
 * - submission never offers or accepts AUTH before STARTTLS (RFC 4954 §4, RFC 3207 §4), IMAP
 *   announces LOGINDISABLED and refuses LOGIN (RFC 3501 §6.2.3, §7.2.1) — seen by Python's
 *   smtplib and imaplib;
 * - the implicit-TLS ports (RFC 8314 §3.3) say nothing in plaintext;
 * - STARTTLS command injection (CVE-2011-0411): whatever was pipelined after STARTTLS in
 *   plaintext is thrown away, never run inside the TLS session (RFC 3207 §4.2, RFC 3501 §6.2.1).
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { RawClient } from '../imap/support.js';
import { python } from '../smtp/clients.js';
import { RawSmtp } from '../smtp/raw-client.js';
import { saslPlain } from './support.js';

// ASCII only: imaplib sends LOGIN arguments as ASCII.
const PASSWORD = 'Tls-review-Password-2026';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { imap: { allow_plaintext_auth: false } }, smtp: { queueWorker: false } });
  await server.addUser('Nguyễn Văn An', { address: 'annv', password: PASSWORD });
});
afterAll(() => server.close());

describe('no AUTH before TLS', () => {
  test('submission: AUTH is neither announced nor accepted before STARTTLS, and is after it', async () => {
    const client = await RawSmtp.connect(server.ports.submission);
    const ehlo = await client.hello();
    expect(ehlo).not.toMatch(/AUTH/);
    expect(ehlo).toMatch(/^250-STARTTLS$/m);
    expect(await client.command(`AUTH PLAIN ${saslPlain('annv', PASSWORD)}`)).toBe('530 5.7.0 Must issue a STARTTLS command first');
    expect(await client.command('AUTH LOGIN')).toBe('530 5.7.0 Must issue a STARTTLS command first');
    expect(await client.command('AUTH PLAIN')).toBe('530 5.7.0 Must issue a STARTTLS command first');
    expect(await client.command('MAIL FROM:<annv@cantho.gov.vn>')).toBe('530 5.7.0 Authentication required');
    expect(await client.startTls()).toBe('220 2.0.0 Ready to start TLS');
    expect(await client.command('EHLO client.example.org')).toMatch(/^250-AUTH PLAIN LOGIN$/m);
    expect(await client.command(`AUTH PLAIN ${saslPlain('annv', PASSWORD)}`)).toBe('235 2.7.0 Authentication successful');
    await client.quit();
  });

  test('Python smtplib sees no AUTH before STARTTLS, and logs in after it', async () => {
    const result = await python(`
import smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP('127.0.0.1', ${server.ports.submission})
s.ehlo()
print('auth before tls', s.has_extn('auth'))
try:
    s.login('annv', '${PASSWORD}')
except smtplib.SMTPNotSupportedError as e:
    print('login before tls refused')
s.starttls(context=ctx)
s.ehlo()
print('auth after tls', s.esmtp_features.get('auth').strip())
print('login', s.login('annv', '${PASSWORD}')[0])
s.quit()
`);
    expect(result.output.trim().split('\n')).toEqual(['auth before tls False', 'login before tls refused', 'auth after tls PLAIN LOGIN', 'login 235']);
  });

  test('Python imaplib: LOGINDISABLED before STARTTLS, LOGIN refused; after STARTTLS AUTH=PLAIN and LOGIN works', async () => {
    const result = await python(`
import imaplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4('127.0.0.1', ${server.ports.imap})
print('before', 'LOGINDISABLED' in m.capabilities, 'AUTH=PLAIN' in m.capabilities)
try:
    m.login('annv', '${PASSWORD}')
except imaplib.IMAP4.error as e:
    print('login refused', e)
m.starttls(ssl_context=ctx)
print('after', 'LOGINDISABLED' in m.capabilities, 'AUTH=PLAIN' in m.capabilities)
print('login', m.login('annv', '${PASSWORD}')[0])
m.logout()
`);
    expect(result.output.trim().split('\n')).toEqual([
      'before True False',
      "login refused b'[PRIVACYREQUIRED] Use STARTTLS before logging in'",
      'after False True',
      'login OK',
    ]);
  });

  test('IMAP: AUTHENTICATE PLAIN, with or without an initial response, is refused before STARTTLS', async () => {
    const client = await RawClient.connect(server.ports.imap);
    expect(await client.command('a', `AUTHENTICATE PLAIN ${saslPlain('annv', PASSWORD)}`)).toEqual(['a NO [PRIVACYREQUIRED] Use STARTTLS before logging in']);
    expect(await client.command('b', 'AUTHENTICATE PLAIN')).toEqual(['b NO [PRIVACYREQUIRED] Use STARTTLS before logging in']);
    expect(await client.command('c', 'SELECT INBOX')).toEqual(['c BAD SELECT is not valid in the not-authenticated state']);
    client.close();
  });
});

describe('implicit-TLS ports refuse plaintext', () => {
  /** What a plaintext client gets from a TLS port: no protocol greeting, no reply, and a closed connection. */
  async function plaintextExchange(port: number, line: string): Promise<{ text: string; closed: boolean }> {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    const closed = new Promise<boolean>((resolve) => {
      socket.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 5_000);
    });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(line);
    const wasClosed = await closed;
    socket.destroy();
    return { text: Buffer.concat(chunks).toString('latin1'), closed: wasClosed };
  }

  test.each([
    ['submissions (465)', 'submissions', 'EHLO client.example.org\r\nAUTH PLAIN ' + saslPlain('annv', PASSWORD) + '\r\n'],
    ['imaps (993)', 'imaps', `a LOGIN annv ${PASSWORD}\r\n`],
  ] as const)('%s: a plaintext client gets no greeting and no reply, and is disconnected', async (_name, port, line) => {
    const { text, closed } = await plaintextExchange(server.ports[port], line);
    expect(closed).toBe(true);
    expect(text).not.toMatch(/^(220|\* OK)|\d{3} |OK|NO|BAD/m);
  });
});

/** SMTP replies on a socket, one per call; multiline replies joined with "\n". */
function replyReader(socket: net.Socket): () => Promise<string> {
  let buffer = '';
  let lines: string[] = [];
  const replies: string[] = [];
  let wake: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    for (let end = buffer.indexOf('\r\n'); end !== -1; end = buffer.indexOf('\r\n')) {
      lines.push(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (/^\d{3}(?: |$)/.test(lines.at(-1)!)) {
        replies.push(lines.join('\n'));
        lines = [];
      }
    }
    wake?.();
  });
  return async () => {
    const deadline = Date.now() + 5_000;
    while (replies.length === 0) {
      if (Date.now() > deadline || socket.destroyed) throw new Error('no reply');
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    return replies.shift()!;
  };
}

/**
 * EHLO, then `STARTTLS` and the `injected` lines in one packet, then the TLS handshake; returns a
 * client on the TLS session. (RawSmtp.startTls writes its own STARTTLS, hence this.)
 */
async function startTlsWithInjection(port: number, injected: readonly string[]): Promise<{ command(line: string): Promise<string>; close(): void }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  const plainReply = replyReader(socket);
  expect(await plainReply()).toMatch(/^220 /);
  socket.write('EHLO client.example.org\r\n');
  expect(await plainReply()).toMatch(/^250-/);
  socket.write(`STARTTLS\r\n${injected.join('\r\n')}\r\n`);
  expect(await plainReply()).toBe('220 2.0.0 Ready to start TLS');
  socket.removeAllListeners('data');
  const secure = tls.connect({ socket, rejectUnauthorized: false });
  secure.on('error', () => undefined);
  await new Promise((resolve) => secure.once('secureConnect', resolve));
  const reply = replyReader(secure);
  return {
    command(line) {
      secure.write(`${line}\r\n`);
      return reply();
    },
    close: () => secure.destroy(),
  };
}

describe('STARTTLS command injection (CVE-2011-0411)', () => {
  test.each([
    ['MX', 'mx'],
    ['submission', 'submission'],
  ] as const)('%s: commands pipelined after STARTTLS in plaintext are not run in the TLS session', async (_name, port) => {
    const injected = ['RSET', `AUTH PLAIN ${saslPlain('annv', PASSWORD)}`, 'MAIL FROM:<annv@cantho.gov.vn>', 'RCPT TO:<annv@cantho.gov.vn>'];
    const client = await startTlsWithInjection(server.ports[port], injected);
    // The first reply inside TLS answers our EHLO: no RSET, AUTH or MAIL reply was queued up.
    expect(await client.command('EHLO client.example.org')).toMatch(/^250-mail\.cantho\.gov\.vn /);
    // Neither the MAIL nor (on submission) the AUTH took effect.
    expect(await client.command('RCPT TO:<annv@cantho.gov.vn>')).toBe(port === 'mx' ? '503 5.5.1 Error: need MAIL command' : '530 5.7.0 Authentication required');
    expect(await client.command('NOOP')).toBe('250 2.0.0 OK');
    client.close();
  });

  test('IMAP: a LOGIN pipelined after STARTTLS in plaintext does not log the TLS session in', async () => {
    const client = await RawClient.connect(server.ports.imap);
    client.send(`t STARTTLS\r\ni LOGIN annv ${PASSWORD}\r\ns SELECT INBOX\r\n`);
    expect(await client.readLine()).toBe('t OK Begin TLS negotiation now');
    await client.startTls();
    // The first line inside TLS is the answer to this command, not to the injected ones.
    expect(await client.command('n', 'NOOP')).toEqual(['n OK NOOP completed']);
    expect(await client.command('s2', 'SELECT INBOX')).toEqual(['s2 BAD SELECT is not valid in the not-authenticated state']);
    client.close();
  });
});
