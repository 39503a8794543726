/**
 * FETCH output in bounded pieces: a response may be as large as the client asks (RFC 3501 §7.4.2),
 * the memory we spend on it may not.
 *
 * - Small values gather in one Encoder, written once WRITE_AT octets have gathered (or at the end
 *   of a batch of messages).
 * - A literal above INLINE_MAX is written as its `{n}` and then read from the store and written
 *   PIECE octets at a time.
 * - After each write we wait for the socket to take it (ResponseWriter.drained), so one connection
 *   holds at most about WRITE_AT + PIECE octets of FETCH output however much it asked for, and a
 *   slow reader costs nobody else anything.
 * - Before every read from the store the client must still be there: once it has gone (socket
 *   closed, ended or destroyed) the command stops with ClientGone — no more reads, no formatting.
 * - NUL octets never go out raw (responses.ts withoutNul), except in the literal8 of RFC 3516
 *   BINARY data: that is `~{n}` when the data has a NUL, found by reading it once before the
 *   length is sent (a piece at a time), else a plain literal (RFC 3516 §4.3).
 */
import { imapFetchBodyBytes } from '../../metrics.js';
import { Encoder, literal, withoutNul, type ImapValue, type ResponseWriter } from '../responses.js';

/** Literals up to this size are read whole and gathered with the rest of the response. */
const INLINE_MAX = 64 * 1024;
/** Piece size of a larger literal (the store keeps bodies in chunks of this size). */
const PIECE = 256 * 1024;
/** Gathered responses are written once this much has gathered. */
const WRITE_AT = 1024 * 1024;

/** The client went away in the middle of a FETCH: the rest is not worth producing. */
export class ClientGone extends Error {
  constructor() {
    super('the client went away during FETCH');
  }
}

/** Octets [from, to) of a literal's data (from the store: a networked one answers later). */
type ReadOctets = (from: number, to: number) => Buffer | Promise<Buffer>;

export class FetchOutput {
  private encoder = new Encoder();

  constructor(private readonly out: ResponseWriter) {}

  text(text: string): void {
    this.encoder.text(text);
  }

  value(value: ImapValue): void {
    this.encoder.value(value);
  }

  /**
   * Message data of `size` octets as a literal; `read(from, to)` gives octets [from, to) of it.
   * `binary`: RFC 3516 data, sent as a literal8 with its NUL octets when it has any.
   */
  async literal(size: number, read: ReadOctets, binary = false): Promise<void> {
    this.requireClient();
    if (size <= INLINE_MAX) {
      const data = await read(0, size);
      imapFetchBodyBytes.inc(undefined, size);
      if (binary && data.includes(0)) {
        this.encoder.text(`~{${size}}\r\n`);
        this.encoder.bytes(data);
      } else this.encoder.value(literal(data));
      return;
    }
    const literal8 = binary && (await this.hasNul(size, read));
    this.encoder.text(`${literal8 ? '~' : ''}{${size}}\r\n`);
    await this.flush();
    for (let at = 0; at < size; at += PIECE) {
      const piece = await read(at, Math.min(at + PIECE, size));
      imapFetchBodyBytes.inc(undefined, piece.length);
      this.out.write(literal8 ? piece : withoutNul(piece));
      await this.drained();
    }
  }

  private async hasNul(size: number, read: ReadOctets): Promise<boolean> {
    for (let at = 0; at < size; at += PIECE) if ((await read(at, Math.min(at + PIECE, size))).includes(0)) return true;
    return false;
  }

  /** Message data computed from a bounded block (HEADER.FIELDS): read only if the client is there. */
  async computed(produce: () => Promise<Buffer>): Promise<void> {
    this.requireClient();
    const data = await produce();
    imapFetchBodyBytes.inc(undefined, data.length);
    this.encoder.value(literal(data));
  }

  /** Writes what has gathered once it is WRITE_AT octets or more. */
  async gathered(): Promise<void> {
    if (this.encoder.size >= WRITE_AT) await this.flush();
  }

  /** Writes what has gathered and waits for the socket to take it. */
  async flush(): Promise<void> {
    if (this.encoder.size > 0) {
      this.out.write(this.encoder.finish());
      this.encoder = new Encoder();
    }
    await this.drained();
  }

  private async drained(): Promise<void> {
    await this.out.drained();
    this.requireClient();
  }

  private requireClient(): void {
    if (this.out.closed) throw new ClientGone();
  }
}
