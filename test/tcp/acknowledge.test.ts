/**
 * Reads the server does not answer are acknowledged at once (src/tcp, docs/tcp-delayed-ack.md):
 * the mechanism on a bare connection, observed in the client's own TCP_INFO, and the requests
 * that needed it — a synchronising literal (RFC 3501 §7.5) and a DATA body (RFC 5321 §4.1.1.4)
 * whose last short write a client without TCP_NODELAY holds until its data is acknowledged.
 * No timings: what is asserted is the kernel's state and the protocol's answers.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgeUnansweredReads, quickAckSupported } from '../../src/tcp/index.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { unacknowledgedSegments } from '../helpers/tcp-info.js';
import { RawClient, message } from '../imap/support.js';
import { RawSmtp } from '../smtp/raw-client.js';

let server: TestServer;
let user: TestUser;
beforeAll(async () => {
  server = await startTestServer();
  user = await server.addUser('Nguyễn Văn An');
});
afterAll(() => server.close());

/** A line protocol on a listener of `transport`: a whole line is answered "pong", a partial one waits for the rest. */
async function pongServer(transport: 'plain' | 'TLS', onPartialRead: () => void): Promise<{ server: net.Server; client: net.Socket }> {
  const serve = (socket: net.Socket) => {
    socket.setNoDelay(true);
    let line = '';
    socket.on('data', (chunk: Buffer) => {
      line += chunk.toString('latin1');
      if (line.endsWith('\n')) {
        line = '';
        socket.write('pong\n');
      } else {
        // Two turns: the policy's own check is queued by the listener added after this one.
        setImmediate(() => setImmediate(onPartialRead));
      }
    });
    acknowledgeUnansweredReads(socket);
  };
  const { key, cert } = server.server.context.tls;
  const listener = transport === 'TLS' ? tls.createServer({ key, cert }, serve) : net.createServer(serve);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;
  const client = transport === 'TLS' ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }) : net.connect(port, '127.0.0.1');
  await new Promise((resolve) => client.once(transport === 'TLS' ? 'secureConnect' : 'connect', resolve));
  return { server: listener, client };
}

describe('acknowledging a read the server leaves unanswered', () => {
  for (const transport of ['plain', 'TLS'] as const) {
    it(`sends the ACK at once, so the client has nothing unacknowledged while it waits (${transport})`, async () => {
      expect(quickAckSupported()).toBe(true);
      let partialRead = () => {};
      const { server: listener, client } = await pongServer(transport, () => partialRead());
      try {
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
        listener.close();
      }
    });
  }
});

describe('requests whose last write a Nagle client holds back', () => {
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
