import net from 'node:net';

/** Lines kept for expect(): the newest ones, so a flood of untagged lines cannot fill the bench's memory. */
const KEPT_LINES = 200;
/** Longer lines are cut here; a protocol reply we wait for is never this long. */
const MAX_LINE = 2_000;

/**
 * One raw connection of the hostile bench, for IMAP and SMTP alike: lines are matched as they
 * arrive, the bytes of an IMAP literal (`{N}` at the end of a line) are counted and skipped, so a
 * 500 MB FETCH response costs the bench a counter, not a copy. Writes honour backpressure.
 */
export class Wire {
  /** Bytes received so far. */
  received = 0;
  closed = false;
  /** Whether the server closed the connection (rather than this side, e.g. at a deadline). */
  closedByPeer = false;
  private closing = false;
  private readonly lines: string[] = [];
  private partial = '';
  private literalLeft = 0;
  private wake: (() => void) | null = null;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.take(chunk));
    socket.on('close', () => {
      this.closed = true;
      this.closedByPeer = !this.closing;
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  /** `localAddress` 127.0.0.2, … plays a second client address. */
  static connect(port: number, localAddress?: string, timeoutMs = 30_000): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection to port ${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new Wire(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Resolves when the data is handed to the kernel (or the connection is gone). */
  write(data: string | Buffer): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.socket.write(data)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  /** The first line (oldest first) matching `pattern`; the lines before it are dropped. Rejects on close or timeout. */
  async expect(pattern: RegExp, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.lines.findIndex((line) => pattern.test(line));
      if (index >= 0) return this.lines.splice(0, index + 1).pop()!;
      if (this.closed) throw new Error(`connection closed before ${pattern}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${pattern} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  /** Closes the connection at `deadline` (epoch ms) if it is still open: an attack never outlives its time. */
  closeBy(deadline: number): this {
    const timer = setTimeout(() => this.destroy(), Math.max(0, deadline - Date.now()));
    this.socket.once('close', () => clearTimeout(timer));
    return this;
  }

  private take(chunk: Buffer): void {
    this.received += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      if (this.literalLeft > 0) {
        const skipped = Math.min(this.literalLeft, chunk.length - offset);
        this.literalLeft -= skipped;
        offset += skipped;
        continue;
      }
      const end = chunk.indexOf(0x0a, offset);
      const piece = chunk.subarray(offset, end < 0 ? chunk.length : end);
      if (this.partial.length < MAX_LINE) this.partial += piece.subarray(0, MAX_LINE - this.partial.length).toString('latin1');
      if (end < 0) break;
      offset = end + 1;
      const line = this.partial.replace(/\r$/, '');
      this.partial = '';
      const literal = /\{(\d+)\}$/.exec(line);
      if (literal) this.literalLeft = Number(literal[1]);
      this.lines.push(line);
      if (this.lines.length > KEPT_LINES) this.lines.shift();
    }
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/**
 * IMAP LOGIN over the plain port (`[imap] allow_plaintext_auth`, loopback only). Never rejects:
 * `reply` is the tagged reply, the server's BYE greeting, or what went wrong; `wire` is null
 * unless the login succeeded (the caller closes it).
 */
export async function imapLogin(port: number, user: string, password: string, localAddress?: string, timeoutMs = 60_000): Promise<{ wire: Wire | null; reply: string }> {
  const wire = await Wire.connect(port, localAddress, timeoutMs).catch(() => null);
  if (!wire) return { wire: null, reply: 'no connection' };
  try {
    const greeting = await wire.expect(/^\* (OK|PREAUTH|BYE)/, timeoutMs);
    if (greeting.startsWith('* BYE')) throw new Error(greeting);
    await wire.write(`L LOGIN ${quoted(user)} ${quoted(password)}\r\n`);
    const reply = await wire.expect(/^L /, timeoutMs);
    if (!reply.startsWith('L OK')) throw new Error(reply);
    return { wire, reply: shortReply(reply) };
  } catch (err) {
    wire.destroy();
    const said = (err as Error).message;
    return { wire: null, reply: /^(\* BYE|L )/.test(said) ? shortReply(said) : wire.closedByPeer ? 'connection closed by the server' : 'no reply in time' };
  }
}

/** A tagged reply without its tag and CAPABILITY list, so that equal answers count as one in a tally. */
function shortReply(line: string): string {
  return line.replace(/^L /, '').replace(/\[CAPABILITY[^\]]*\] ?/, '').slice(0, 60);
}

/**
 * Logs in like a client that is told "try again in a moment" (NO [UNAVAILABLE], RFC 5530 §3) and
 * does: again after half a second, until `deadline`. The attacks that need many logged-in
 * connections get them this way, so that they measure their attack and not the login throttle.
 */
export async function imapLoginPatiently(port: number, user: string, password: string, deadline: number): Promise<{ wire: Wire | null; reply: string }> {
  for (;;) {
    const attempt = await imapLogin(port, user, password, undefined, Math.max(1, deadline - Date.now()));
    if (attempt.wire || !attempt.reply.startsWith('NO [UNAVAILABLE]') || Date.now() + 500 >= deadline) return attempt;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
