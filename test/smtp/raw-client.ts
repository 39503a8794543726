import net from 'node:net';
import tls from 'node:tls';
import { expect } from 'vitest';

export interface SendOptions {
  /** MAIL FROM; sender@example.org by default. */
  readonly from?: string;
  /** RCPT TO; annv@cantho.gov.vn by default. */
  readonly to?: string;
  /** How long to wait for the reply to the final dot. */
  readonly timeoutMs?: number;
}

/**
 * A deliberately dumb SMTP client over a raw socket, for what real clients will not send: bare
 * LFs, smuggling attempts, huge lines, commands out of order. Replies are returned whole
 * (multi-line replies joined with "\n").
 */
export class RawSmtp {
  private buffer = '';
  private readonly replies: string[] = [];
  private readonly waiters: Array<(reply: string) => void> = [];
  private pending: string[] = [];
  readonly closed: Promise<void>;

  private constructor(private socket: net.Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    this.listen(socket);
  }

  /** `localAddress`: another loopback address (127.0.0.2, …) plays another client. */
  static async connect(port: number, options: { tls?: boolean; localAddress?: string } = {}): Promise<RawSmtp> {
    const from = options.localAddress ? { localAddress: options.localAddress } : {};
    const socket = options.tls
      ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...from })
      : net.connect({ host: '127.0.0.1', port, ...from });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    socket.on('error', () => undefined);
    return new RawSmtp(socket);
  }

  private listen(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      let end: number;
      while ((end = this.buffer.indexOf('\r\n')) !== -1) {
        const line = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        this.pending.push(line);
        if (/^\d{3}(?: |$)/.test(line)) {
          const reply = this.pending.join('\n');
          this.pending = [];
          const waiter = this.waiters.shift();
          if (waiter) waiter(reply);
          else this.replies.push(reply);
        }
      }
    });
  }

  /** The next complete reply; rejects when the connection closes first or after `timeoutMs`. */
  reply(timeoutMs = 5000): Promise<string> {
    const queued = this.replies.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply')), timeoutMs);
      const waiter = (reply: string) => {
        clearTimeout(timer);
        resolve(reply);
      };
      this.waiters.push(waiter);
      void this.closed.then(() => {
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) {
          this.waiters.splice(index, 1);
          clearTimeout(timer);
          reject(new Error('connection closed'));
        }
      });
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends one command line (CRLF added) and returns its reply. */
  command(line: string, timeoutMs?: number): Promise<string> {
    this.write(`${line}\r\n`);
    return this.reply(timeoutMs);
  }

  /** STARTTLS, then continues on the TLS socket. */
  async startTls(): Promise<string> {
    const reply = await this.command('STARTTLS');
    if (!reply.startsWith('220')) return reply;
    const secure = tls.connect({ socket: this.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket.removeAllListeners('data');
    this.socket = secure;
    this.listen(secure);
    return reply;
  }

  /** Greeting + EHLO; returns the EHLO reply. */
  async hello(name = 'client.example.org', timeoutMs?: number): Promise<string> {
    const greeting = await this.reply(timeoutMs);
    if (!greeting.startsWith('220')) throw new Error(`greeting: ${greeting}`);
    return this.command(`EHLO ${name}`, timeoutMs);
  }

  /**
   * One whole transaction on a greeted session: MAIL FROM, RCPT TO, DATA, the message and the
   * final dot (after a CRLF of its own when the message does not end with one, RFC 5321 §4.1.1.4),
   * then NOOP to show the session goes on. Returns the reply to the final dot, which a spooled or
   * scanned message may take long to get (`timeoutMs`).
   */
  async sendMessage(message: string | Buffer, options: SendOptions = {}): Promise<string> {
    expect(await this.command(`MAIL FROM:<${options.from ?? 'sender@example.org'}>`)).toBe('250 2.1.0 Accepted');
    expect(await this.command(`RCPT TO:<${options.to ?? 'annv@cantho.gov.vn'}>`)).toBe('250 2.1.5 Accepted');
    expect(await this.command('DATA')).toBe('354 End data with <CR><LF>.<CR><LF>');
    this.write(message);
    const endsWithLine = message.slice(-2).toString() === '\r\n';
    const reply = await this.command(endsWithLine ? '.' : '\r\n.', options.timeoutMs);
    expect(await this.command('NOOP')).toBe('250 2.0.0 OK');
    return reply;
  }

  /** Abrupt end, as a client that crashes (FIN). */
  destroy(): void {
    this.socket.destroy();
  }

  /** Abrupt end with a TCP RST, as a client behind a dying NAT. */
  reset(): void {
    this.socket.resetAndDestroy();
  }

  async quit(): Promise<void> {
    this.write('QUIT\r\n');
    await this.closed;
  }
}

/** Connects to `port`, says EHLO (`helo`, client.example.org by default), sends one message with RawSmtp.sendMessage, quits; returns the reply to the final dot. */
export async function sendOneMessage(port: number, message: string | Buffer, options: SendOptions & { readonly helo?: string } = {}): Promise<string> {
  const client = await RawSmtp.connect(port);
  await client.hello(options.helo);
  const reply = await client.sendMessage(message, options);
  await client.quit();
  return reply;
}
