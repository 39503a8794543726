/**
 * RFC 4978 COMPRESS=DEFLATE: after the tagged OK both directions are raw DEFLATE (RFC 1951, no
 * zlib header). Our output is flushed with Z_SYNC_FLUSH once per event-loop turn, so every
 * response reaches the client whole without paying a flush per line (RFC 4978 §4 asks for a flush
 * whenever the server has nothing more to send).
 *
 * Memory per connection (thousands of IDLE connections stay open, docs/architecture.md "COMPRESS
 * memory"): our deflater uses a 8 KiB window and memLevel 5 (zlib needs (1 << (windowBits + 2)) +
 * (1 << (memLevel + 9)) bytes: 48 KiB instead of 256 KiB for the defaults), which only costs a
 * little ratio on large bodies. The inflater must accept the client's window, up to 32 KiB
 * (RFC 4978 §4 lets the client choose); zlib allocates it on first input. Both use small output
 * chunks since commands and response pieces are small.
 */
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { ResponseSink } from './responses.js';

const DEFLATE_OPTIONS: zlib.ZlibOptions = { windowBits: 13, memLevel: 5, chunkSize: 8 * 1024 };
const INFLATE_OPTIONS: zlib.ZlibOptions = { windowBits: 15, chunkSize: 4 * 1024 };

/** The compressed connection: what the command reader reads and what the response writer writes to. */
export interface Compression {
  readonly input: Readable;
  readonly output: DeflateSink;
}

export function startCompression(socket: Socket): Compression {
  const inflate = zlib.createInflateRaw(INFLATE_OPTIONS);
  const deflate = zlib.createDeflateRaw(DEFLATE_OPTIONS);
  socket.pipe(inflate);
  deflate.pipe(socket);
  // Corrupt input from the client: end the connection (the reader sees 'close').
  inflate.on('error', () => socket.destroy());
  deflate.on('error', () => socket.destroy());
  return { input: inflate, output: new DeflateSink(deflate, socket) };
}

/** A ResponseSink that compresses; back-pressure is the deflater's, which the socket's pauses. */
export class DeflateSink implements ResponseSink {
  private flushQueued = false;

  constructor(
    private readonly deflate: zlib.DeflateRaw,
    private readonly socket: Socket,
  ) {}

  write(chunk: Buffer): boolean {
    const ok = this.deflate.write(chunk);
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        if (!this.deflate.writableEnded && !this.deflate.destroyed) this.deflate.flush(zlib.constants.Z_SYNC_FLUSH);
      });
    }
    return ok;
  }

  get writableNeedDrain(): boolean {
    return this.deflate.writableNeedDrain;
  }

  get writableLength(): number {
    return this.deflate.writableLength + this.socket.writableLength;
  }

  get writableEnded(): boolean {
    return this.deflate.writableEnded || this.socket.writableEnded;
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Finishes the DEFLATE stream, then the socket (the pipe ends it). */
  end(): void {
    this.deflate.end();
  }

  once(event: 'drain' | 'close', listener: () => void): this {
    (event === 'drain' ? this.deflate : this.socket).once(event, listener);
    return this;
  }

  removeListener(event: 'drain' | 'close', listener: () => void): this {
    (event === 'drain' ? this.deflate : this.socket).removeListener(event, listener);
    return this;
  }
}
