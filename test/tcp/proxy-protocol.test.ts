/**
 * PROXY protocol v1 and v2 on the listeners (src/tcp/proxy-protocol.ts, docs/haproxy.en.md):
 * a connection from a trusted proxy (127.0.0.1 here) must start with a header and is then the
 * client the header names, for the Received: trace, per-address caps, the login audit and the
 * plaintext rule (IMAP, ManageSieve, LDAP); a connection from elsewhere (127.0.0.2) is never
 * read for one. Raw sockets write the headers;
 * curl --haproxy-protocol writes version 1 for HTTP.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { element, integer, octetString, sequence } from '../../src/ldap/ber.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { cliFor, curl } from '../helpers/user-sessions.js';

const TRUSTED = ['127.0.0.1/32'];
const UNTRUSTED_SOURCE = '127.0.0.2';

let server: TestServer;
let user: TestUser;
beforeAll(async () => {
  server = await startTestServer({
    config: {
      smtp: { proxy_protocol_from: TRUSTED },
      imap: { proxy_protocol_from: TRUSTED, max_connections_per_ip: 1 },
      http: { proxy_protocol_from: TRUSTED },
      sieve: { proxy_protocol_from: TRUSTED },
      ldap: { proxy_protocol_from: TRUSTED },
    },
  });
  user = await server.addUser('Nguyễn Văn An');
});
afterAll(() => server.close());

/** Spec §2.2: signature, version 2 with the command, family/transport, length, then the addresses (destination 127.0.0.1 or ::1, port 25). */
function headerV2(command: 'PROXY' | 'LOCAL', source?: { address: string; port: number }): Buffer {
  const signature = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
  const versionCommand = command === 'LOCAL' ? 0x20 : 0x21;
  if (!source) return Buffer.concat([signature, Buffer.from([versionCommand, 0x00, 0, 0])]);
  const v6 = net.isIPv6(source.address);
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(source.port, 0);
  ports.writeUInt16BE(25, 2);
  const addresses = v6
    ? Buffer.concat([ipv6Bytes(source.address), ipv6Bytes('::1'), ports])
    : Buffer.concat([Buffer.from(source.address.split('.').map(Number)), Buffer.from([127, 0, 0, 1]), ports]);
  const fixed = Buffer.from([versionCommand, v6 ? 0x21 : 0x11, 0, 0]);
  fixed.writeUInt16BE(addresses.length, 2);
  return Buffer.concat([signature, fixed, addresses]);
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.split('::').map((part) => (part ? part.split(':') : []));
  const groups = [...head!, ...Array<string>(8 - head!.length - tail!.length).fill('0'), ...tail!];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

/** A line client on a raw socket: the header (if any) and the first command go out in one write, as a proxy may send them. */
class LineClient {
  private buffer = '';
  private readonly waiting: Array<() => void> = [];
  closed = false;
  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      this.buffer += text;
      this.waiting.splice(0).forEach((wake) => wake());
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting.splice(0).forEach((wake) => wake());
    });
    socket.on('error', () => {});
  }

  static async open(port: number, header: Buffer | string | null, localAddress = '127.0.0.1'): Promise<LineClient> {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new LineClient(socket);
    if (header !== null) socket.write(header);
    return client;
  }

  /** The next line, or null once the server has closed the connection. */
  async line(): Promise<string | null> {
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end !== -1) {
        const line = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        return line;
      }
      if (this.closed) return null;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** Lines up to the one starting with `prefix` (a tagged IMAP reply, an SMTP last line). */
  async until(prefix: string): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.line();
      if (line === null) return lines;
      lines.push(line);
      if (line.startsWith(prefix)) return lines;
    }
  }

  send(text: string): void {
    this.socket.write(text);
  }

  close(): void {
    this.socket.destroy();
  }
}

async function sendMailThrough(header: Buffer | string, subject: string): Promise<string[]> {
  const smtp = await LineClient.open(server.ports.mx, header);
  const replies = [await smtp.line()];
  for (const command of ['EHLO sender.example', `MAIL FROM:<someone@sender.example>`, `RCPT TO:<${user.address}>`, 'DATA']) {
    smtp.send(`${command}\r\n`);
    replies.push(...(await smtp.until(command.startsWith('EHLO') ? '250 ' : '')));
  }
  smtp.send(`Subject: ${subject}\r\nFrom: someone@sender.example\r\n\r\nBody\r\n.\r\n`);
  replies.push(await smtp.line());
  smtp.send('QUIT\r\n');
  smtp.close();
  return replies.map(String);
}

/** The first Received: field of the message with `subject`, read over IMAP from an address no proxy is trusted for. */
async function receivedHeaderOf(subject: string): Promise<string> {
  const imap = await LineClient.open(server.ports.imap, null, UNTRUSTED_SOURCE);
  await imap.line();
  imap.send(`a LOGIN ${user.address} "${user.password}"\r\nb SELECT INBOX\r\nc FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT RECEIVED)])\r\n`);
  const lines = await imap.until('c ');
  imap.close();
  const text = lines.join('\n').replace(/\n[\t ]+/g, ' ');
  const block = text.split(/\* \d+ FETCH/).find((part) => part.includes(`Subject: ${subject}\n`)) ?? '';
  return /Received: from [^\n]*/.exec(block)?.[0] ?? '';
}

describe('SMTP behind a proxy', () => {
  test('a version 1 header names the client in the Received: trace', async () => {
    const replies = await sendMailThrough('PROXY TCP4 192.0.2.7 127.0.0.1 40000 25\r\n', 'v1 header');
    expect(replies[0]).toMatch(/^220 /);
    expect(replies.at(-1)).toMatch(/^250 /);
    expect(await receivedHeaderOf('v1 header')).toContain('[192.0.2.7]');
  });

  test('a version 2 header (IPv4 and IPv6) names the client too', async () => {
    await sendMailThrough(headerV2('PROXY', { address: '198.51.100.9', port: 50000 }), 'v2 IPv4 header');
    expect(await receivedHeaderOf('v2 IPv4 header')).toContain('[198.51.100.9]');
    await sendMailThrough(headerV2('PROXY', { address: '2001:db8::25', port: 50001 }), 'v2 IPv6 header');
    expect(await receivedHeaderOf('v2 IPv6 header')).toContain('[2001:db8::25]');
  });

  test('LOCAL (a health check) and UNKNOWN keep the proxy as the peer', async () => {
    await sendMailThrough(headerV2('LOCAL'), 'v2 LOCAL');
    expect(await receivedHeaderOf('v2 LOCAL')).toContain('[127.0.0.1]');
    await sendMailThrough('PROXY UNKNOWN\r\n', 'v1 UNKNOWN');
    expect(await receivedHeaderOf('v1 UNKNOWN')).toContain('[127.0.0.1]');
  });

  test('a trusted proxy that sends no header, or a garbled one, is disconnected without a greeting', async () => {
    const oversized = headerV2('PROXY', { address: '192.0.2.7', port: 1 });
    oversized.writeUInt16BE(5000, 14); // more than the 4 KB a header may take here
    const garbled = ['EHLO sender.example\r\n', 'PROXY TCP4 192.0.2.300 127.0.0.1 1 25\r\n', 'PROXY TCP4 192.0.2.7\r\n', `PROXY ${'x'.repeat(120)}`, oversized];
    for (const header of garbled) {
      const smtp = await LineClient.open(server.ports.mx, header);
      expect(await smtp.line()).toBeNull();
    }
  });

  test('a header from an address that is not a trusted proxy is a command error', async () => {
    const smtp = await LineClient.open(server.ports.mx, null, UNTRUSTED_SOURCE);
    expect(await smtp.line()).toMatch(/^220 /);
    smtp.send('PROXY TCP4 192.0.2.7 127.0.0.1 40000 25\r\n');
    expect(await smtp.line()).toMatch(/^5\d\d /);
    smtp.close();
  });
});

describe('IMAP behind a proxy', () => {
  test('per-address caps count the client the header names, not the proxy', async () => {
    const first = await LineClient.open(server.ports.imap, 'PROXY TCP4 192.0.2.10 127.0.0.1 1000 143\r\n');
    const second = await LineClient.open(server.ports.imap, headerV2('PROXY', { address: '192.0.2.11', port: 1001 }));
    const third = await LineClient.open(server.ports.imap, 'PROXY TCP4 192.0.2.10 127.0.0.1 1002 143\r\n');
    expect(await first.line()).toMatch(/^\* OK /);
    expect(await second.line()).toMatch(/^\* OK /);
    // [imap] max_connections_per_ip = 1 here: 192.0.2.10 already has its connection.
    expect(await third.line()).toMatch(/^\* BYE \[UNAVAILABLE\]/);
    for (const client of [first, second, third]) client.close();
  });

  test('a client behind a loopback proxy is not a loopback client: no plaintext login', async () => {
    const imap = await LineClient.open(server.ports.imap, 'PROXY TCP4 127.0.0.1 127.0.0.1 1003 143\r\na CAPABILITY\r\n');
    expect(await imap.line()).toMatch(/^\* OK /);
    const capability = await imap.until('a ');
    expect(capability[0]).toContain('LOGINDISABLED');
    expect(capability[0]).not.toContain('AUTH=PLAIN');
    imap.send(`b LOGIN ${user.address} "${user.password}"\r\n`);
    expect((await imap.until('b ')).at(-1)).toMatch(/^b NO \[PRIVACYREQUIRED\]/);
    imap.close();
  });

  test('a garbled v2 header from the proxy closes the connection; an untrusted client sending one gets BAD', async () => {
    const garbled = headerV2('PROXY', { address: '192.0.2.12', port: 1004 });
    garbled[12] = 0x31; // version 3
    const closed = await LineClient.open(server.ports.imap, garbled);
    expect(await closed.line()).toBeNull();
    const direct = await LineClient.open(server.ports.imap, null, UNTRUSTED_SOURCE);
    expect(await direct.line()).toMatch(/^\* OK /);
    direct.send('PROXY TCP4 192.0.2.7 127.0.0.1 40000 143\r\n');
    expect(await direct.line()).toMatch(/^PROXY BAD /);
    direct.close();
  });

  test('after STARTTLS the session still knows the client: the login is audited with its address', async () => {
    const imap = await LineClient.open(server.ports.imap, 'PROXY TCP4 192.0.2.20 127.0.0.1 1006 143\r\na STARTTLS\r\n');
    expect(await imap.line()).toMatch(/^\* OK /);
    expect(await imap.line()).toMatch(/^a OK /);
    imap.socket.removeAllListeners('data');
    const secured = tls.connect({ socket: imap.socket, rejectUnauthorized: false });
    await new Promise((resolve) => secured.once('secureConnect', resolve));
    secured.write(`b LOGIN ${user.address} "${user.password}"\r\n`);
    const reply = await new Promise<string>((resolve) => secured.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    expect(reply).toMatch(/^b OK /);
    secured.destroy();
    const audit = JSON.parse((await cliFor(server)(['audit', '--subject', user.address, '--json'])).stdout) as Array<{ action: string; detail?: { ip?: string } }>;
    expect(audit.filter((row) => row.action === 'login.ok').at(-1)?.detail?.ip).toBe('192.0.2.20');
  });

  test('implicit TLS behind the proxy: the header, then the handshake', async () => {
    expect(await imapsGreetingThroughHeader()).toMatch(/^\* OK /);
  });
});

/** imaps on a socket that has sent its header: TLS starts on the same socket. */
async function imapsGreetingThroughHeader(): Promise<string> {
  const raw = net.connect({ host: '127.0.0.1', port: server.ports.imaps });
  await new Promise((resolve) => raw.once('connect', resolve));
  raw.write(headerV2('PROXY', { address: '192.0.2.13', port: 1005 }));
  const secured = tls.connect({ socket: raw, rejectUnauthorized: false });
  const greeting = await new Promise<string>((resolve) => secured.once('data', (chunk: Buffer) => resolve(chunk.toString())));
  secured.destroy();
  return greeting;
}

describe('ManageSieve behind a proxy', () => {
  test('a client behind a loopback proxy is offered no SASL mechanism before STARTTLS', async () => {
    const sieve = await LineClient.open(server.ports.managesieve, headerV2('PROXY', { address: '127.0.0.1', port: 1007 }));
    const greeting = await sieve.until('OK');
    expect(greeting).toContain('"SASL" ""');
    sieve.close();
    const direct = await LineClient.open(server.ports.managesieve, null, UNTRUSTED_SOURCE);
    expect(await direct.until('OK')).toContain('"SASL" "PLAIN"');
    direct.close();
  });
});

describe('LDAP behind a proxy', () => {
  /** RFC 4511 §4.2 simple bind with `user`'s address and a wrong password; the BindResponse's resultCode. */
  async function bindResult(header: Buffer | string | null, localAddress?: string): Promise<number | null> {
    const socket = net.connect({ host: '127.0.0.1', port: server.ports.ldap, ...(localAddress ? { localAddress } : {}) });
    await new Promise((resolve) => socket.once('connect', resolve));
    const bind = sequence([integer(1), element(0x60, [integer(3), octetString(user.address), octetString('wrong password', 0x80)])]);
    socket.write(header === null ? bind : Buffer.concat([Buffer.from(header), bind]));
    const answer = await new Promise<Buffer | null>((resolve) => {
      socket.once('data', resolve);
      socket.once('close', () => resolve(null));
    });
    socket.destroy();
    if (answer === null) return null;
    const at = answer.indexOf(Buffer.from([0x0a, 0x01]), answer.indexOf(0x61));
    return answer[at + 2]!;
  }

  test('a simple bind from behind a loopback proxy needs TLS; the same bind direct from loopback is checked', async () => {
    expect(await bindResult('PROXY TCP4 127.0.0.1 127.0.0.1 1008 389\r\n')).toBe(13); // confidentialityRequired
    expect(await bindResult(null, UNTRUSTED_SOURCE)).toBe(49); // invalidCredentials
    expect(await bindResult(null)).toBeNull(); // the trusted proxy's address without a header
  });
});

describe('HTTP behind a proxy', () => {
  const url = () => `http://127.0.0.1:${server.ports.http}/healthz`;

  test('curl --haproxy-protocol reaches /healthz', async () => {
    expect((await curl(['--haproxy-protocol', url()])).status).toBe(200);
  });

  test('a trusted address without a header gets no answer; an untrusted one with a header gets 400', async () => {
    await expect(curl([url()])).rejects.toThrow();
    expect((await curl(['--interface', UNTRUSTED_SOURCE, '--haproxy-protocol', url()])).status).toBe(400);
    expect((await curl(['--interface', UNTRUSTED_SOURCE, url()])).status).toBe(200);
  });
});
