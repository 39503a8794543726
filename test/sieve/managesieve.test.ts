import net from 'node:net';
import tls from 'node:tls';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { runSievelib } from '../helpers/sievelib.js';

/**
 * ManageSieve (RFC 5804) with Debian's python3-sievelib (test/helpers/sievelib.ts), a client
 * nobody here wrote, and raw sessions for what it does not show (codes, STARTTLS).
 */
let server: TestServer;
let annv: TestUser;

beforeAll(async () => {
  server = await startTestServer({ smtp: { queueWorker: false }, config: { sieve: { max_scripts: 3 } } });
  annv = await server.addUser('Nguyễn Văn An');
});
afterAll(async () => {
  await server?.close();
});

function sievelib(program: string): Promise<string> {
  return runSievelib(server.ports.managesieve, annv, program);
}

const FILE_INTO_PROJECT = 'require ["fileinto", "mailbox"];\r\nif address :is "from" "duan@example.org" {\r\n  fileinto :create "Dự án";\r\n}\r\n';

describe('ManageSieve with python3-sievelib', () => {
  test('a script uploaded and activated files mail into a folder', async () => {
    const out = await sievelib(
      [
        `print(c.putscript("loc", ${JSON.stringify(FILE_INTO_PROJECT)}))`,
        'print(c.setactive("loc"))',
        'print(json.dumps(c.listscripts()))',
        'print(json.dumps(c.getscript("loc"), ensure_ascii=False))',
        'c.logout()',
      ].join('\n'),
    );
    expect(out.split('\n')).toEqual(['True', 'True', '["loc", []]', JSON.stringify(FILE_INTO_PROJECT.replace(/\r\n$/, '').replace(/\r\n/g, '\n'))]);

    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.ports.mx, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'duan@example.org', to: annv.address, subject: 'Tiến độ dự án', text: 'Tuần 3.' });
    transport.close();
    const client = new ImapFlow({ host: '127.0.0.1', port: server.ports.imap, secure: false, doSTARTTLS: true, tls: { rejectUnauthorized: false }, auth: { user: annv.address, pass: annv.password }, logger: false });
    await client.connect();
    const status = await client.status('Dự án', { messages: true });
    await client.logout();
    expect(status).toMatchObject({ messages: 1 });
  });

  test('a broken script is refused with line:column and the previous one stays active', async () => {
    const out = await sievelib(
      [
        'print(c.checkscript("keep;\\r\\nfileinto \\"x\\";\\r\\n"))',
        'print(c.errmsg.decode().strip())',
        'print(c.putscript("loc", "require \\"fileinto\\";\\r\\nif true {\\r\\n  fileinto \\"a\\"\\r\\n}\\r\\n"))',
        'print(c.errmsg.decode().strip())',
        'print(json.dumps(c.listscripts()))',
        'c.logout()',
      ].join('\n'),
    );
    expect(out.split('\n')).toEqual([
      'False',
      'line 2:1: fileinto needs require "fileinto"',
      'False',
      'line 4:1: expected ";" or "{" after fileinto, found "}"',
      '["loc", []]',
    ]);
    expect(await server.server.context.sieve.activeScript(annv.address as never)).toBe(FILE_INTO_PROJECT);
  });

  test('an external redirect is refused at save time (Điều 8.5)', async () => {
    const out = await sievelib(['print(c.putscript("fwd", "redirect \\"me@yahoo.com\\";"))', 'print(c.errmsg.decode().strip())', 'c.logout()'].join('\n'));
    expect(out.split('\n')).toEqual(['False', 'line 1:1: redirect to me@yahoo.com is not allowed: mail may be forwarded only inside our domains (Điều 8.5, [sieve] external_redirect)']);
  });
});

/** A raw RFC 5804 session: lines in, lines out. */
class RawSession {
  private buffer = '';
  private waiting: (() => void) | null = null;

  constructor(private socket: net.Socket) {
    this.listen(socket);
  }

  static async open(port: number): Promise<RawSession> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    return new RawSession(socket);
  }

  /** Everything up to and including the next OK/NO/BYE line. */
  async response(): Promise<string> {
    for (;;) {
      const match = /^(OK|NO|BYE)\b.*\r\n/m.exec(this.buffer);
      if (match) {
        const end = match.index + match[0].length;
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        return text;
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  async command(line: string): Promise<string> {
    this.send(line);
    return this.response();
  }

  async startTls(): Promise<string> {
    expect(await this.command('STARTTLS')).toBe('OK "Begin TLS negotiation now"\r\n');
    const secured = tls.connect({ socket: this.socket, rejectUnauthorized: false });
    this.socket = secured;
    this.listen(secured);
    return this.response();
  }

  close(): void {
    this.socket.destroy();
  }

  private listen(socket: net.Socket): void {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.waiting?.();
    });
  }
}

describe('ManageSieve raw sessions (RFC 5804 examples)', () => {
  const plain = (login: string, password: string) => Buffer.from(`\0${login}\0${password}`).toString('base64');

  test('greeting, STARTTLS, capabilities again, PLAIN with a continuation, quota and response codes', async () => {
    const session = await RawSession.open(server.ports.managesieve);
    const greeting = await session.response();
    expect(greeting).toMatch(/^"IMPLEMENTATION" "cantho-mail"\r\n/);
    expect(greeting).toContain('"STARTTLS"\r\n');
    expect(greeting).toMatch(/"SIEVE" "fileinto envelope [^"]*vacation[^"]*"\r\n/);
    const afterTls = await session.startTls();
    expect(afterTls).toContain('"SASL" "PLAIN"\r\n');
    expect(afterTls).not.toContain('"STARTTLS"');
    expect(await session.command(`AUTHENTICATE "PLAIN" "${plain(annv.address, 'wrong-password')}"`)).toBe('NO "Authentication failed"\r\n');
    // RFC 5804 §2.1: without an initial response the server asks with an empty string.
    session.send('AUTHENTICATE "PLAIN"');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await session.command(`"${plain(annv.address, annv.password)}"`)).toBe('""\r\nOK "Authenticated"\r\n');
    expect(await session.command('HAVESPACE "x" 1000000')).toBe('NO (QUOTA/MAXSIZE) "Script is too large"\r\n');
    expect(await session.command('PUTSCRIPT "two" {5+}\r\nkeep;')).toBe('OK "Script saved"\r\n');
    expect(await session.command('PUTSCRIPT "three" "keep;"')).toBe('OK "Script saved"\r\n');
    expect(await session.command('HAVESPACE "four" 10')).toBe('NO (QUOTA/MAXSCRIPTS) "At most 3 scripts"\r\n');
    expect(await session.command('DELETESCRIPT "loc"')).toBe('NO (ACTIVE) "You may not delete an active script"\r\n');
    expect(await session.command('GETSCRIPT "none"')).toBe('NO (NONEXISTENT) "There is no script by that name"\r\n');
    expect(await session.command('RENAMESCRIPT "two" "three"')).toBe('NO (ALREADYEXISTS) "A script with the new name already exists"\r\n');
    expect(await session.command('GETSCRIPT "two"')).toBe('{5}\r\nkeep;\r\nOK "Getscript completed"\r\n');
    expect(await session.command('DELETESCRIPT "three"')).toBe('OK "Script deleted"\r\n');
    expect(await session.command('LISTSCRIPTS')).toBe('"loc" ACTIVE\r\n"two"\r\nOK "Listscripts completed"\r\n');
    expect(await session.command('FROB')).toBe('NO "Unknown command FROB"\r\n');
    expect(await session.command('LOGOUT')).toBe('OK "Logout completed"\r\n');
    session.close();
  });

  test('a literal over the size limit ends the session before it is read', async () => {
    const session = await RawSession.open(server.ports.managesieve);
    await session.response();
    expect(await session.command(`AUTHENTICATE "PLAIN" "${plain(annv.address, annv.password)}"`)).toBe('OK "Authenticated"\r\n');
    expect(await session.command('PUTSCRIPT "big" {99999999+}')).toMatch(/^BYE "literal of 99999999 octets is over the limit of \d+"\r\n$/);
    session.close();
  });
});
