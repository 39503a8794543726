/**
 * A minimal raw IMAP client for the benches: waits for tagged replies and counts what it received.
 * Like most clients it leaves Nagle's algorithm on (no TCP_NODELAY), which is what makes a server's
 * delayed ACK visible (docs/tcp-delayed-ack.md).
 */
import net from 'node:net';
import zlib from 'node:zlib';

const LOGIN_ATTEMPTS = 50;
const LOGIN_RETRY_MS = 200;

export class ImapConnection {
  private tail = '';
  private waiting: { pattern: RegExp; resolve: (line: string) => void; reject: (err: Error) => void } | null = null;
  received = 0;
  /** RFC 4978: set after compress(); what we send goes through it. */
  private deflate: zlib.DeflateRaw | null = null;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', this.onBytes);
    socket.on('close', () => this.waiting?.reject(new Error('connection closed')));
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<ImapConnection> {
    const socket = net.connect({ host: '127.0.0.1', port });
    const connection = new ImapConnection(socket);
    await connection.wait(/^\* OK/m);
    return connection;
  }

  /** Resolves with the text from the match on when the tail matches; a tagged NO or BAD rejects (see `tagged`). */
  wait(pattern: RegExp): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting = { pattern, resolve, reject };
      this.check();
    });
  }

  /** Waits for `tag OK` and returns that line; `tag NO`/`tag BAD` fail the bench with the server's words. */
  tagged(tag: string): Promise<string> {
    return this.wait(new RegExp(`(^|\\n)${tag} (OK|NO|BAD)[^\\r]*\\r\\n`));
  }

  command(tag: string, text: string): Promise<string> {
    this.socket.write(`${tag} ${text}\r\n`);
    return this.tagged(tag);
  }

  /**
   * LOGIN with the password as a LITERAL+ literal (RFC 7888), so any password goes. A refusal
   * with RFC 5530 UNAVAILABLE (a burst of logins from one address) is retried after a pause, as
   * clients do; at most LOGIN_ATTEMPTS times.
   */
  async login(user: string, password: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      this.socket.write(Buffer.concat([Buffer.from(`L LOGIN "${user}" {${Buffer.byteLength(password)}+}\r\n`), Buffer.from(password), Buffer.from('\r\n')]));
      try {
        return await this.tagged('L');
      } catch (err) {
        if (attempt === LOGIN_ATTEMPTS || !/\[UNAVAILABLE\]/.test((err as Error).message)) throw err;
        await new Promise((resolve) => setTimeout(resolve, LOGIN_RETRY_MS));
      }
    }
  }

  /**
   * APPEND with a synchronising literal (RFC 3501 §7.5) as clients without LITERAL+ send it:
   * the command line, wait for `+`, the message, then the closing CRLF as a write of its own.
   * Returns the tagged OK (with APPENDUID where the server has UIDPLUS).
   */
  async append(tag: string, mailbox: string, message: Buffer): Promise<string> {
    this.socket.write(`${tag} APPEND ${mailbox} {${message.length}}\r\n`);
    await this.wait(/^\+ /m);
    this.socket.write(message);
    this.socket.write('\r\n');
    return this.tagged(tag);
  }

  /** Raw command text, compressed once compress() ran. */
  send(text: string): void {
    if (!this.deflate) {
      this.socket.write(text);
      return;
    }
    this.deflate.write(text);
    this.deflate.flush(zlib.constants.Z_SYNC_FLUSH);
  }

  /** RFC 4978 COMPRESS DEFLATE, then both directions through zlib (zlib's default settings, as imapflow uses). */
  async compress(): Promise<void> {
    await this.command('Z', 'COMPRESS DEFLATE');
    this.socket.removeListener('data', this.onBytes);
    const inflate = zlib.createInflateRaw();
    inflate.on('data', this.onBytes);
    this.socket.pipe(inflate);
    this.deflate = zlib.createDeflateRaw();
    this.deflate.pipe(this.socket);
  }

  close(): void {
    this.socket.destroy();
  }

  private readonly onBytes = (data: Buffer): void => {
    const chunk = data.toString('latin1');
    this.received += chunk.length;
    // Only the tail can hold the reply waited for; keeping it short makes a 10 MB FETCH cost nothing here.
    this.tail = (this.tail + chunk).slice(-1024);
    this.check();
  };

  private check(): void {
    if (!this.waiting) return;
    const match = this.waiting.pattern.exec(this.tail);
    if (!match) return;
    const { resolve, reject } = this.waiting;
    this.waiting = null;
    const line = this.tail.slice(match.index).trim();
    this.tail = '';
    if (match[2] && match[2] !== 'OK') reject(new Error(`server answered: ${line}`));
    else resolve(line);
  }
}
