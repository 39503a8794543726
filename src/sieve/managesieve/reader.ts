import type { Socket } from 'node:net';

/** Bytes a command line may hold outside literals (RFC 5804 leaves it to the server). */
export const MAX_LINE_BYTES = 8 * 1024;

/** The client sent more than the limits allow; the session answers BYE and closes. */
export class InputTooLong extends Error {
  override readonly name = 'InputTooLong';
}

/**
 * Buffered reading of a ManageSieve connection: lines (CRLF) and literal octets. Input is pulled,
 * so a client that writes ahead cannot make the server buffer more than one line or one literal
 * (the socket is paused while nobody reads). After STARTTLS, `attach` moves to the TLS socket.
 */
export class SocketReader {
  private buffer: Buffer = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | null = null;
  private socket: Socket | null = null;
  private readonly onData = (chunk: Buffer): void => {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.socket?.pause();
    this.notify();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };

  constructor(socket: Socket) {
    this.attach(socket);
  }

  attach(socket: Socket): void {
    this.socket?.off('data', this.onData).off('end', this.onEnd).off('close', this.onEnd);
    this.socket = socket;
    socket.on('data', this.onData).on('end', this.onEnd).on('close', this.onEnd);
  }

  /** Whether the client sent bytes after a command it must wait on (STARTTLS: RFC 5804 §2.2). */
  hasBuffered(): boolean {
    return this.buffer.length > 0;
  }

  /** One line without its CRLF, or null at the end of the stream. */
  async line(): Promise<Buffer | null> {
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end >= 0) {
        const line = this.buffer.subarray(0, end);
        this.buffer = this.buffer.subarray(end + 2);
        return line;
      }
      if (this.buffer.length > MAX_LINE_BYTES) throw new InputTooLong('line too long');
      if (!(await this.more())) return null;
    }
  }

  /** Exactly `size` octets, or null at the end of the stream. */
  async octets(size: number): Promise<Buffer | null> {
    while (this.buffer.length < size) if (!(await this.more())) return null;
    const data = this.buffer.subarray(0, size);
    this.buffer = this.buffer.subarray(size);
    return data;
  }

  private more(): Promise<boolean> {
    if (this.ended) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.wake = () => resolve(!this.ended || this.buffer.length > 0);
      this.socket?.resume();
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
