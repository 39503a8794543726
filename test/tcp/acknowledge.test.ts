/**
 * Reads the server does not answer are acknowledged at once (src/tcp, docs/tcp-delayed-ack.md):
 * the mechanism on a bare connection, observed in the client's own TCP_INFO, and the requests
 * that needed it — a synchronising literal (RFC 3501 §7.5) and a DATA body (RFC 5321 §4.1.1.4)
 * whose last short write a client without TCP_NODELAY holds until its data is acknowledged.
 * No timings: what is asserted is the kernel's state and the protocol's answers.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgeUnansweredReads, quickAckSupported } from '../../src/tcp/index.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { unacknowledgedSegments } from '../helpers/tcp-info.js';
import { RawClient, message } from '../imap/support.js';
import { RawSmtp } from '../smtp/raw-client.js';

describe('acknowledging a read the server leaves unanswered', () => {
  it('sends the ACK at once, so the client has nothing unacknowledged while it waits', async () => {
    expect(quickAckSupported()).toBe(true);
    let partialRead: (() => void) | null = null;
    // A line protocol: a whole line is answered "pong", a partial one waits for the rest.
    const server = net.createServer((socket) => {
      socket.setNoDelay(true);
      let line = '';
      socket.on('data', (chunk: Buffer) => {
        line += chunk.toString('latin1');
        if (line.endsWith('\n')) {
          line = '';
          socket.write('pong\n');
        } else {
          // Two turns: the policy's own check is queued by the listener added after this one.
          setImmediate(() => setImmediate(() => partialRead?.()));
        }
      });
      acknowledgeUnansweredReads(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    try {
      await new Promise((resolve) => client.once('connect', resolve));
      // Prompt answers make the server's side of the connection interactive: from now on Linux
      // delays its ACKs, hoping to send them with the next answer (pingpong mode).
      for (let i = 0; i < 10; i++) {
        client.write('ping\n');
        await new Promise((resolve) => client.once('data', resolve));
      }
      const unacknowledged = new Promise<number>((resolve) => (partialRead = () => resolve(unacknowledgedSegments(client))));
      client.write('x'.repeat(1000));
      expect(await unacknowledged).toBe(0);
    } finally {
      client.destroy();
      server.close();
    }
  });
});

describe('requests whose last write a Nagle client holds back', () => {
  let server: TestServer;
  let user: TestUser;
  beforeAll(async () => {
    server = await startTestServer();
    user = await server.addUser('Nguyễn Văn An');
  });
  afterAll(() => server.close());

  /** Sends `head` ending in a synchronising literal's `{n}`, waits for `+`, then sends the literal. */
  async function literal(client: RawClient, head: string, data: Buffer): Promise<void> {
    client.send(`${head}{${data.length}}\r\n`);
    expect(await client.readLine()).toMatch(/^\+ /);
    client.send(data);
  }

  it('completes LOGIN and APPEND sent as synchronising literals, each closing CRLF a write of its own', async () => {
    const client = await RawClient.connect(server.ports.imap);
    try {
      await literal(client, 'L LOGIN ', Buffer.from(user.address));
      await literal(client, ' ', Buffer.from(user.password));
      client.send('\r\n');
      expect((await client.until((line) => line.startsWith('L ')))[0]).toMatch(/^L OK/);
      for (const n of [1, 2, 3]) {
        await literal(client, `A${n} APPEND INBOX `, message(`Tin số ${n}`));
        client.send('\r\n');
        expect((await client.until((line) => line.startsWith(`A${n} `))).at(-1)).toMatch(new RegExp(`^A${n} OK \\[APPENDUID \\d+ ${n}\\]`));
      }
      expect(await client.command('S', 'STATUS INBOX (MESSAGES)')).toEqual(['* STATUS INBOX (MESSAGES 3)', 'S OK STATUS completed']);
    } finally {
      client.close();
    }
  });

  it('answers 250 to a DATA body whose final dot is a write of its own, in plaintext and after STARTTLS', async () => {
    for (const secure of [false, true]) {
      const client = await RawSmtp.connect(server.ports.mx);
      try {
        await client.hello();
        if (secure) {
          expect(await client.startTls()).toMatch(/^220 /);
          await client.command('EHLO client.example.org');
        }
        for (let n = 0; n < 2; n++) {
          expect(await client.command('MAIL FROM:<sender@example.org>')).toMatch(/^250 /);
          expect(await client.command(`RCPT TO:<${user.address}>`)).toMatch(/^250 /);
          expect(await client.command('DATA')).toMatch(/^354 /);
          client.write(`From: <sender@example.org>\r\nTo: <${user.address}>\r\nSubject: Thư ${n}\r\n\r\nKính gửi anh An.\r\n`);
          client.write('.\r\n');
          expect(await client.reply()).toMatch(/^250 2\.6\.0 /);
        }
      } finally {
        client.destroy();
      }
    }
  });
});
