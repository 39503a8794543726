import net from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ANNV, PASSWORD, imapflow, message, startImapTestServer, type ImapTestServer } from './support.js';

/** RFC 4978 COMPRESS=DEFLATE. */
let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
});
afterAll(async () => {
  await server.close();
});

/** A raw client that can switch to DEFLATE in both directions, as RFC 4978 §3 describes. */
class DeflateClient {
  private text = '';
  private wake: (() => void) | null = null;
  private deflate: zlib.DeflateRaw | null = null;
  closed = false;

  constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static async connect(port: number): Promise<DeflateClient> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new DeflateClient(socket);
    await client.until(/^\* OK[^\r]*\r\n/m);
    return client;
  }

  private received(chunk: Buffer): void {
    this.text += chunk.toString('latin1');
    this.wake?.();
  }

  /** Everything received up to the first match of `pattern`, consumed. */
  async until(pattern: RegExp): Promise<string> {
    for (;;) {
      const match = pattern.exec(this.text);
      if (match) {
        const end = match.index + match[0].length;
        const out = this.text.slice(0, end);
        this.text = this.text.slice(end);
        return out;
      }
      if (this.closed) throw new Error(`closed; got ${JSON.stringify(this.text)}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 10_000);
      });
    }
  }

  async command(tag: string, text: string): Promise<string[]> {
    this.send(`${tag} ${text}\r\n`);
    const out = await this.until(new RegExp(`(^|\\r\\n)${tag} [^\\r]*\\r\\n`));
    return out.split('\r\n').slice(0, -1);
  }

  send(data: string): void {
    if (this.deflate) {
      this.deflate.write(data);
      this.deflate.flush(zlib.constants.Z_SYNC_FLUSH);
    } else this.socket.write(data);
  }

  /** After the tagged OK of COMPRESS: compress what we send, inflate what we get. */
  startDeflate(): void {
    this.socket.removeAllListeners('data');
    const inflate = zlib.createInflateRaw();
    this.socket.pipe(inflate);
    inflate.on('data', (chunk: Buffer) => this.received(chunk));
    // zlib inflates off the main thread: the socket's 'close' can come before the last bytes are
    // inflated, so the connection counts as closed only once the inflater has given them all.
    this.socket.removeAllListeners('close');
    this.socket.on('close', () => inflate.end());
    inflate.on('end', () => {
      this.closed = true;
      this.wake?.();
    });
    this.deflate = zlib.createDeflateRaw();
    this.deflate.pipe(this.socket);
  }

  close(): void {
    this.socket.destroy();
  }

  get octetsRead(): number {
    return this.socket.bytesRead;
  }
}

async function loggedInDeflate(): Promise<DeflateClient> {
  const client = await DeflateClient.connect(server.ports.imap);
  expect((await client.command('L', `LOGIN annv "${PASSWORD}"`)).at(-1)).toMatch(/^L OK/);
  return client;
}

describe('COMPRESS=DEFLATE (RFC 4978)', () => {
  test('is announced after login; COMPRESS DEFLATE compresses both directions from right after the OK', async () => {
    const client = await loggedInDeflate();
    expect((await client.command('c', 'CAPABILITY'))[0]).toContain(' COMPRESS=DEFLATE ');
    expect(await client.command('b', 'COMPRESS GZIP')).toEqual(['b BAD Unknown compression mechanism GZIP']);
    expect(await client.command('z', 'COMPRESS DEFLATE')).toEqual(['z OK DEFLATE active']);
    client.startDeflate();
    expect(await client.command('n', 'NOOP')).toEqual(['n OK NOOP completed']);
    // RFC 4978 §3: a second COMPRESS while one is active.
    expect(await client.command('z2', 'COMPRESS DEFLATE')).toEqual(['z2 NO [COMPRESSIONACTIVE] DEFLATE is already active']);
    const inbox = (await server.store.getMailbox(ANNV, 'INBOX'))!;
    const body = message('Nén', `${'Báo cáo tổng hợp quý IV, phòng Kế hoạch. '.repeat(2000)}`);
    await server.store.append(inbox.id, body);
    await client.command('s', 'SELECT INBOX');
    const before = client.octetsRead;
    const fetched = await client.command('f', 'FETCH 1 (BODY.PEEK[])');
    expect(fetched.at(-1)).toBe('f OK FETCH completed');
    expect(fetched[0]).toBe(`* 1 FETCH (BODY[] {${body.length}}`);
    // The repetitive body travelled compressed.
    expect(client.octetsRead - before).toBeLessThan(body.length / 10);
    // LOGOUT: BYE and the tagged OK arrive whole before the server ends the DEFLATE stream.
    expect(await client.command('o', 'LOGOUT')).toEqual(['* BYE Logging out', 'o OK LOGOUT completed']);
  });

  test('is not valid before login', async () => {
    const client = await DeflateClient.connect(server.ports.imap);
    expect(await client.command('z', 'COMPRESS DEFLATE')).toEqual(['z BAD COMPRESS is not valid in the not-authenticated state']);
    client.close();
  });

  test('imapflow turns it on by default and works through it', async () => {
    const flow = imapflow(server);
    await flow.connect();
    expect((flow as unknown as { _deflate?: unknown })._deflate).toBeTruthy();
    const box = await flow.mailboxOpen('INBOX');
    expect(box.exists).toBeGreaterThan(0);
    const fetched = await flow.fetchOne('1', { source: true });
    expect(fetched && fetched.source!.toString()).toContain('Báo cáo tổng hợp quý IV');
    await flow.logout();
  });
});
