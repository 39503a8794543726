import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';

/**
 * ManageSieve script changes in the audit log, and `[sieve] max_connections_per_ip`, over raw
 * RFC 5804 sessions (plaintext PLAIN is allowed to loopback clients in tests).
 */
let server: TestServer;
let annv: TestUser;
const CAP = 2;

beforeAll(async () => {
  server = await startTestServer({ config: { sieve: { max_connections_per_ip: CAP } } });
  annv = await server.addUser('Nguyễn Văn An');
});
afterAll(async () => {
  await server?.close();
});

/** A connection that hands out each response up to its OK/NO/BYE line. */
async function connect(): Promise<{ socket: net.Socket; response(): Promise<string>; command(line: string): Promise<string> }> {
  const socket = net.connect(server.ports.managesieve, '127.0.0.1');
  let buffer = '';
  let wake: (() => void) | null = null;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    wake?.();
  });
  socket.on('end', () => wake?.());
  const response = async (): Promise<string> => {
    for (;;) {
      const match = /^(OK|NO|BYE)\b.*\r\n/m.exec(buffer);
      if (match) {
        const text = buffer.slice(0, match.index + match[0].length);
        buffer = buffer.slice(text.length);
        return text;
      }
      if (socket.readableEnded) return buffer;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, response, command: (line) => (socket.write(`${line}\r\n`), response()) };
}

const lastLine = (text: string) => text.trimEnd().split('\r\n').at(-1);

describe('ManageSieve audit and connection limit', () => {
  test('PUTSCRIPT, SETACTIVE, RENAMESCRIPT and DELETESCRIPT are in the audit log; refused commands are not', async () => {
    const session = await connect();
    await session.response();
    const plain = Buffer.from(`\0${annv.address}\0${annv.password}`).toString('base64');
    expect(await session.command(`AUTHENTICATE "PLAIN" "${plain}"`)).toBe('OK "Authenticated"\r\n');
    const script = 'require "fileinto";\r\nfileinto "Lưu";\r\n';
    expect(await session.command(`PUTSCRIPT "loc" {${Buffer.byteLength(script)}+}\r\n${script}`)).toBe('OK "Script saved"\r\n');
    expect(lastLine(await session.command('SETACTIVE "khong-co"'))).toMatch(/^NO \(NONEXISTENT\)/);
    expect(await session.command('SETACTIVE "loc"')).toBe('OK "Script activated"\r\n');
    expect(await session.command('SETACTIVE ""')).toBe('OK "No script is active now"\r\n');
    expect(await session.command('RENAMESCRIPT "loc" "loc-cu"')).toBe('OK "Script renamed"\r\n');
    expect(lastLine(await session.command('DELETESCRIPT "khong-co"'))).toMatch(/^NO \(NONEXISTENT\)/);
    expect(await session.command('DELETESCRIPT "loc-cu"')).toBe('OK "Script deleted"\r\n');
    await session.command('LOGOUT');
    session.socket.destroy();

    const rows = server.directory.queryAudit({ subject: annv.address }).filter((row) => row.action.startsWith('sieve.'));
    expect(rows.map((row) => [row.actor, row.action, row.detail])).toEqual([
      [annv.address, 'sieve.put', { script: 'loc', bytes: Buffer.byteLength(script), sha256: expect.stringMatching(/^[0-9a-f]{64}$/), via: 'managesieve' }],
      [annv.address, 'sieve.activate', { script: 'loc', via: 'managesieve' }],
      [annv.address, 'sieve.activate', { script: null, via: 'managesieve' }],
      [annv.address, 'sieve.rename', { script: 'loc', to: 'loc-cu', via: 'managesieve' }],
      [annv.address, 'sieve.delete', { script: 'loc-cu', via: 'managesieve' }],
    ]);
  });

  test(`past ${CAP} connections from one address the greeting is BYE (TRYLATER); a closed one frees its place`, async () => {
    const open = [await greeted(), await greeted()];
    const refused = await connect();
    expect(await refused.response()).toBe('BYE (TRYLATER) "Too many connections from your address, try again later"\r\n');
    refused.socket.destroy();
    await open[0]!.command('LOGOUT');
    open[0] = await greeted();
    for (const session of open) session.socket.destroy();
  });
});

/**
 * A connection the server greets. The server counts a connection gone when its side of the
 * socket closes, a moment after the client's: retry for a while before giving up.
 */
async function greeted(): Promise<Awaited<ReturnType<typeof connect>>> {
  for (let attempt = 0; ; attempt++) {
    const session = await connect();
    const greeting = await session.response();
    if (greeting.startsWith('"IMPLEMENTATION"')) {
      expect(lastLine(greeting)).toBe('OK "cantho-mail ManageSieve ready"');
      return session;
    }
    session.socket.destroy();
    if (attempt === 50) throw new Error(`still refused: ${greeting}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
