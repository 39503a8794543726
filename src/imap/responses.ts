/**
 * Writing IMAP responses (RFC 3501 §7, grammar §9). Used by every command, including FETCH's
 * ENVELOPE/BODYSTRUCTURE formatting, so the encoding rules live here only:
 *
 *   type ImapValue = null | number | bigint | string | Buffer | Atom | Literal | Adjacent | ImapValue[]
 *     null            → NIL
 *     number, bigint  → decimal
 *     string, Buffer  → quoted string when it is short 7-bit text without CR, LF or NUL, else a
 *                       literal {n}\r\n… (strings are sent as UTF-8)
 *     atom('\\Seen')  → written as is (flags, keywords, section specs like BODY[1.MIME])
 *     literal(buf)    → always a literal (message bodies)
 *     adjacent([a, b]) → a and b with no space between (the bodies of a multipart BODYSTRUCTURE)
 *     [a, b, …]       → parenthesised list "(a b …)"; an empty array is "()"
 *
 *   encodeValue(v): Buffer           one value
 *   encodeLine(values): Buffer       values separated by spaces (no CRLF)
 *   astring(text): Atom | string     an atom when the text is a valid atom, else quoted/literal
 *   utf8Quoted(text)                 UTF-8 in a quoted string, once the client ENABLEd UTF8=ACCEPT
 *
 * No value ever carries a raw NUL (RFC 3501 §9: literal = "{" number "}" CRLF *CHAR8, and CHAR8
 * excludes %x00; only RFC 3516 literal8 may carry NUL, which FETCH BINARY writes itself, fetch/output.ts): in a string
 * a NUL becomes U+FFFD; in octets it becomes 0x80, as Dovecot does, so a literal keeps its length
 * (withoutNul).
 *
 * ResponseWriter wraps the socket: untagged(head, ...values), tagged(tag, status, code, text),
 * continuation(text), write(raw) for pieces of a large response, and drained() to respect
 * back-pressure between them. Responses are written whole or in order, never interleaved. A client
 * that lets more than MAX_UNSENT octets of responses pile up unread is disconnected: every writer of
 * large output waits for drained(), so only a client that stopped reading gets there.
 */

/** Written verbatim: flags, keywords, atoms, section specifiers. The caller vouches for the syntax. */
export class Atom {
  constructor(readonly text: string) {}
}

/** Always sent as a literal, whatever its content (message data, RFC 3501 §7.4.2 BODY[]). */
export class Literal {
  constructor(readonly data: Buffer) {}
}

/** Values written back to back with no space between: RFC 3501 §9 body-type-mpart `1*body`. */
export class Adjacent {
  constructor(readonly values: readonly ImapValue[]) {}
}

export type ImapValue = null | number | bigint | string | Buffer | Atom | Literal | Adjacent | readonly ImapValue[];

export const atom = (text: string): Atom => new Atom(text);

/** Arguments of ResponseWriter.untagged: a text head and encoded values. */
export type UntaggedLine = [head: string, ...values: ImapValue[]];
export const literal = (data: Buffer): Literal => new Literal(data);
export const adjacent = (values: readonly ImapValue[]): Adjacent => new Adjacent(values);

/** Longest text we still send quoted; longer values go as literals, which clients parse cheaply. */
const MAX_QUOTED = 1024;

/** RFC 3501 §9 ATOM-CHAR: any CHAR except atom-specials ( ) { SP CTL % * " \ ]. */
const ATOM = /^[^(){ \x00-\x1f\x7f%*"\\\]\x80-\uffff]+$/;

/** Short 7-bit text without NUL, CR or LF goes quoted (RFC 3501 §9 quoted = DQUOTE *QUOTED-CHAR DQUOTE). */
const QUOTABLE = /^[\x01-\x09\x0b\x0c\x0e-\x7f]*$/;

/**
 * `data` with every NUL octet replaced by 0x80 (a copy only when there is one): the literal keeps
 * its length, and the replacement is an octet no client takes for a line end or a terminator.
 */
export function withoutNul(data: Buffer): Buffer {
  let at = data.indexOf(0);
  if (at < 0) return data;
  const copy = Buffer.from(data);
  for (; at >= 0; at = copy.indexOf(0, at + 1)) copy[at] = 0x80;
  return copy;
}

/**
 * Builds the encoded bytes: runs of text are kept as one string and turned into bytes once, so a
 * FETCH of ENVELOPE and BODYSTRUCTURE for 10,000 messages does not allocate a Buffer per token.
 * FETCH uses one directly to gather many responses into one write.
 */
export class Encoder {
  private readonly parts: Buffer[] = [];
  private pending = '';
  private partBytes = 0;

  /** About how many octets have been gathered (text counted in characters). */
  get size(): number {
    return this.partBytes + this.pending.length;
  }

  text(text: string): void {
    this.pending += text;
  }

  bytes(data: Buffer): void {
    if (this.pending !== '') this.parts.push(Buffer.from(this.pending, 'utf8'));
    this.pending = '';
    this.parts.push(data);
    this.partBytes += data.length;
  }

  finish(): Buffer {
    if (this.pending !== '') this.parts.push(Buffer.from(this.pending, 'utf8'));
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
  }

  value(value: ImapValue): void {
    if (value === null) {
      this.text('NIL');
    } else if (typeof value === 'number' || typeof value === 'bigint') {
      this.text(String(value));
    } else if (typeof value === 'string') {
      if (value.length <= MAX_QUOTED && QUOTABLE.test(value)) this.text(`"${value.replace(/[\\"]/g, '\\$&')}"`);
      else {
        const text = value.replaceAll('\0', '\uFFFD');
        this.text(`{${Buffer.byteLength(text, 'utf8')}}\r\n${text}`);
      }
    } else if (Buffer.isBuffer(value)) {
      const text = value.toString('latin1');
      if (value.length <= MAX_QUOTED && QUOTABLE.test(text)) this.text(`"${text.replace(/[\\"]/g, '\\$&')}"`);
      else this.literal(value);
    } else if (value instanceof Atom) {
      this.text(value.text);
    } else if (value instanceof Adjacent) {
      for (const item of value.values) this.value(item);
    } else if (value instanceof Literal) {
      this.literal(value.data);
    } else {
      this.text('(');
      this.values(value);
      this.text(')');
    }
  }

  /** Values separated by single spaces. */
  values(values: readonly ImapValue[]): void {
    for (let i = 0; i < values.length; i++) {
      if (i > 0) this.text(' ');
      this.value(values[i]!);
    }
  }

  private literal(data: Buffer): void {
    this.text(`{${data.length}}\r\n`);
    this.bytes(withoutNul(data));
  }
}

export function encodeValue(value: ImapValue): Buffer {
  const encoder = new Encoder();
  encoder.value(value);
  return encoder.finish();
}

/** Values separated by single spaces, as in `* 3 FETCH (…)` or `* LIST (…) "/" name`. */
export function encodeLine(values: readonly ImapValue[]): Buffer {
  const encoder = new Encoder();
  encoder.values(values);
  return encoder.finish();
}

/** RFC 3501 astring: an atom where the grammar allows one (NIL is not an atom here), else a string. */
export function astring(text: string): ImapValue {
  return ATOM.test(text) && text.toUpperCase() !== 'NIL' ? new Atom(text) : text;
}

/**
 * RFC 6855 §3: after ENABLE UTF8=ACCEPT, quoted strings may carry UTF-8. Text with CR, LF, NUL or
 * a `"`/`\\` still goes the usual way.
 */
export function utf8Quoted(text: string): ImapValue {
  return /^[^\r\n\0"\\]{0,1024}$/u.test(text) ? new Atom(`"${text}"`) : text;
}

/** Where responses go: a net.Socket or tls.TLSSocket. */
export interface ResponseSink {
  write(chunk: Buffer): boolean;
  readonly writableNeedDrain: boolean;
  readonly writableLength: number;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  destroy(): void;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  removeListener(event: 'drain' | 'close', listener: () => void): unknown;
}

export type TaggedStatus = 'OK' | 'NO' | 'BAD';

const CRLF = Buffer.from('\r\n');

/** Unread response octets a connection may hold before we give up on its client. */
const MAX_UNSENT = 16 * 1024 * 1024;

export class ResponseWriter {
  constructor(private sink: ResponseSink) {}

  /** STARTTLS swaps the socket under the same writer. */
  replaceSink(sink: ResponseSink): void {
    this.sink = sink;
  }

  /** Octets written but not yet taken by the socket (a client that reads slowly lets them pile up). */
  get unsent(): number {
    return this.sink.writableLength;
  }

  /** The connection is gone (or ending): nothing written now reaches the client. */
  get closed(): boolean {
    return this.sink.destroyed || this.sink.writableEnded;
  }

  /** Raw bytes, for the rare response built by hand (already valid IMAP). */
  write(chunk: Buffer | string): void {
    if (this.sink.destroyed || this.sink.writableEnded) return;
    if (this.sink.writableLength > MAX_UNSENT) {
      this.sink.destroy();
      return;
    }
    this.sink.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }

  /**
   * `* head v1 v2 …\r\n`: `head` is written as text (`'OK Still here'`, `'3 FETCH'`, `'LIST'`), the
   * values are encoded: `untagged('LIST', [atom('\\HasNoChildren')], '/', name)`.
   */
  untagged(head: string, ...values: ImapValue[]): void {
    const parts: Buffer[] = [Buffer.from(`* ${head}`, 'utf8')];
    if (values.length > 0) parts.push(Buffer.from(' '), encodeLine(values));
    parts.push(CRLF);
    this.write(Buffer.concat(parts));
  }

  /**
   * `tag OK|NO|BAD [CODE] text\r\n`; `code` is the text between the brackets, e.g. "UIDNEXT 5".
   * RFC 3501 §9 resp-text has no CR, LF or NUL: a message quoting the client's input (a charset
   * sent as a literal) must not end the line early and inject a response of its own.
   */
  tagged(tag: string, status: TaggedStatus, code: string | null, text: string): void {
    this.write(`${tag} ${status} ${code ? `[${code}] ` : ''}${text.replace(/[\r\n\0]/g, ' ')}\r\n`);
  }

  /** RFC 3501 §7.5 command continuation request. */
  continuation(text: string): void {
    this.write(`+ ${text}\r\n`);
  }

  /** Resolves once the socket has taken what was written (call between large responses). */
  drained(): Promise<void> {
    const sink = this.sink;
    if (!sink.writableNeedDrain || sink.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        sink.removeListener('drain', done);
        sink.removeListener('close', done);
        resolve();
      };
      sink.once('drain', done);
      sink.once('close', done);
    });
  }
}
