/**
 * `imap.max_connections_per_ip` (src/imap/server.ts): past the cap an address is greeted with
 * `* BYE [UNAVAILABLE]` (RFC 3501 §7.1.5, RFC 5530 §3) and the connection closed, while other
 * addresses (127.0.0.2, also loopback) still connect; a closed session frees its place.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CAP = 3;
const REFUSED = '* BYE [UNAVAILABLE] Too many connections from your address, try again later';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { imap: { max_connections_per_ip: CAP } } });
});
afterAll(() => server.close());

/** Connects from `localAddress` and reads the greeting; `closed` settles when the server ends the connection. */
async function connect(localAddress: string): Promise<{ greeting: string; socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect({ host: '127.0.0.1', port: server.ports.imap, localAddress });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  const greeting = await new Promise<string>((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\r\n');
      if (end !== -1) resolve(text.slice(0, end));
    });
    socket.once('close', () => reject(new Error(`closed before a greeting: ${JSON.stringify(text)}`)));
  });
  return { greeting, socket, closed };
}

describe('connections per IP', () => {
  test(`the ${CAP + 1}th connection from 127.0.0.1 is refused with BYE while 127.0.0.2 connects; a closed one frees its place`, async () => {
    const open = [];
    for (let i = 0; i < CAP; i++) open.push(await connect('127.0.0.1'));
    for (const { greeting } of open) expect(greeting).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 /);

    const refused = await connect('127.0.0.1');
    expect(refused.greeting).toBe(REFUSED);
    await refused.closed;

    const other = await connect('127.0.0.2');
    expect(other.greeting).toMatch(/^\* OK \[CAPABILITY /);

    const first = open.shift()!;
    first.socket.write('a LOGOUT\r\n');
    await first.closed;
    const again = await connect('127.0.0.1');
    expect(again.greeting).toMatch(/^\* OK \[CAPABILITY /);

    for (const { socket } of [...open, other, again]) socket.destroy();
  });
});
