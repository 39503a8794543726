/**
 * The shape of a message checked while its bytes stream in, before any parser sees them
 * (DESIGN.md "Config" [limits]): header bytes, physical header lines (folded continuations count,
 * RFC 5322 §2.2.3), bytes of one field (as Postfix's header_size_limit) and MIME parts (RFC 2046
 * §5.1.1 delimiter lines of the boundaries the message declared). Every header block is checked:
 * the message's own and each body part's.
 *
 * Cost: one pass, linear in the bytes; lines are read in place, and only a line split between two
 * chunks is copied (LINE_PEEK bytes of it at most), when it can matter (a header line, or a line
 * starting with "--" once a boundary is known). Parsers downstream (mailauth, src/mime's analysis) may be super-linear
 * in these counts; this is what keeps their input small.
 */
import type { SpoolFile } from './spool.js';

export interface MessageShapeLimits {
  readonly maxHeaderBytes: number;
  readonly maxHeaderLines: number;
  readonly maxHeaderFieldBytes: number;
  readonly maxMimeParts: number;
}

export type ShapeViolation =
  | { readonly kind: 'header-bytes'; readonly limit: number }
  | { readonly kind: 'header-lines'; readonly limit: number }
  | { readonly kind: 'header-field-bytes'; readonly limit: number }
  | { readonly kind: 'mime-parts'; readonly limit: number };

/** The `[limits]` keys the check reads (DESIGN.md "Config"), as the config holds them. */
export interface ShapeLimitKeys {
  readonly max_header_bytes: number;
  readonly max_header_lines: number;
  readonly max_header_field_bytes: number;
  readonly max_mime_parts: number;
}

export function shapeLimitsOf(keys: ShapeLimitKeys): MessageShapeLimits {
  return {
    maxHeaderBytes: keys.max_header_bytes,
    maxHeaderLines: keys.max_header_lines,
    maxHeaderFieldBytes: keys.max_header_field_bytes,
    maxMimeParts: keys.max_mime_parts,
  };
}

/** The first limit a whole message in memory passes, or null (an IMAP APPEND literal). */
export function checkMessageShape(message: Buffer, limits: MessageShapeLimits): ShapeViolation | null {
  const check = new MessageShapeCheck(limits);
  return check.push(message) ?? check.end();
}

/** The same for a message waiting in a spool file, read a piece at a time (an APPEND literal past `spool_threshold`). */
export async function checkSpooledShape(file: SpoolFile, limits: MessageShapeLimits): Promise<ShapeViolation | null> {
  const check = new MessageShapeCheck(limits);
  for await (const piece of file.pieces()) {
    const violation = check.push(piece);
    if (violation) return violation;
  }
  return check.end();
}

/** What a refusal tells the client, the same words on SMTP and IMAP. */
export function describeViolation(violation: ShapeViolation): string {
  switch (violation.kind) {
    case 'header-bytes':
      return `Message header exceeds ${violation.limit} bytes`;
    case 'header-lines':
      return `Message header exceeds ${violation.limit} lines`;
    case 'header-field-bytes':
      return `A header field exceeds ${violation.limit} bytes`;
    case 'mime-parts':
      return `Message has more than ${violation.limit} MIME parts`;
  }
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HTAB = 0x09;
const DASH = 0x2d;
const C_UPPER = 0x43;
const C_LOWER = 0x63;
/** RFC 5322 §2.1.1: 998 characters is the most a line may hold; a boundary parameter sits well within. */
const LINE_PEEK = 1000;
/** RFC 2046 §5.1.1: a boundary is 1 to 70 characters. */
const BOUNDARY_PARAM = /boundary\s*=\s*(?:"([^"\r\n]{1,70})"|([^\s;"]{1,70}))/i;
const CONTENT_TYPE_NAME = /^content-type[ \t]*:/i;

export class MessageShapeCheck {
  private violation: ShapeViolation | null = null;
  private inHeader = true;
  private headerBytes = 0;
  private headerLines = 0;
  private fieldBytes = 0;
  private fieldIsContentType = false;
  /** The current line: its bytes so far (CR included), whether it may matter, and its first LINE_PEEK bytes if so. */
  private lineBytes = 0;
  private lineWanted = false;
  /** The current line starts with WSP: it continues the field before it (RFC 5322 §2.2.3). */
  private lineContinues = false;
  private peek: Buffer[] = [];
  private peeked = 0;
  private readonly boundaries = new Set<string>();
  private parts = 0;

  constructor(private readonly limits: MessageShapeLimits) {}

  /** Feeds the next bytes; returns the first limit passed (then and ever after), or null. */
  push(chunk: Buffer): ShapeViolation | null {
    let pos = 0;
    while (pos < chunk.length && !this.violation) {
      const lf = chunk.indexOf(LF, pos);
      if (lf !== -1 && this.lineBytes === 0) {
        // The usual case, a whole line inside the chunk: read in place, nothing copied.
        this.lineWanted = this.wants(chunk[pos]);
        this.lineContinues = chunk[pos] === SP || chunk[pos] === HTAB;
        this.lineBytes = lf - pos;
        this.finishLine(chunk, pos, Math.min(lf, pos + LINE_PEEK));
      } else {
        this.take(chunk, pos, lf === -1 ? chunk.length : lf);
        if (lf !== -1) this.finishPeekedLine();
      }
      if (lf === -1) break;
      pos = lf + 1;
    }
    return this.violation;
  }

  /** The last line when the data did not end with a line break. */
  end(): ShapeViolation | null {
    if (!this.violation && this.lineBytes > 0) this.finishPeekedLine();
    return this.violation;
  }

  /** Only header lines and possible delimiter lines are looked at; body text is only counted. */
  private wants(first: number | undefined): boolean {
    return this.inHeader || (first === DASH && this.boundaries.size > 0);
  }

  /** Part of a line that continues in the next chunk. */
  private take(chunk: Buffer, start: number, end: number): void {
    if (start === end) return;
    if (this.lineBytes === 0) {
      this.lineWanted = this.wants(chunk[start]);
      this.lineContinues = chunk[start] === SP || chunk[start] === HTAB;
    }
    if (this.lineWanted && this.peeked < LINE_PEEK) {
      const piece = Buffer.from(chunk.subarray(start, Math.min(end, start + LINE_PEEK - this.peeked)));
      this.peek.push(piece);
      this.peeked += piece.length;
    }
    this.lineBytes += end - start;
    // A header line without its line break yet counts already, so one endless line is caught too.
    if (this.inHeader) this.checkHeader(this.lineBytes, this.lineContinues ? this.fieldBytes + this.lineBytes : this.lineBytes);
  }

  private finishPeekedLine(): void {
    const peek = this.peek.length === 1 ? this.peek[0]! : Buffer.concat(this.peek);
    this.finishLine(peek, 0, peek.length);
  }

  /** `buf[start, end)`: the line's first bytes (up to LINE_PEEK), CR included; read only when the line matters. */
  private finishLine(buf: Buffer, start: number, end: number): void {
    const contentEnd = end > start && buf[end - 1] === CR && this.lineBytes === end - start ? end - 1 : end;
    const bytes = this.lineBytes + 1;
    const empty = this.lineBytes === 0 || (this.lineBytes === 1 && contentEnd === start);
    this.lineBytes = 0;
    this.peek = [];
    this.peeked = 0;
    if (this.inHeader) this.headerLine(buf, start, contentEnd, bytes, empty);
    else if (this.lineWanted) this.bodyLine(buf, start, contentEnd);
    this.lineWanted = false;
  }

  private headerLine(buf: Buffer, start: number, end: number, bytes: number, empty: boolean): void {
    if (empty) {
      // RFC 5322 §2.1: the empty line ends the header block.
      this.inHeader = false;
      this.headerBytes = 0;
      this.headerLines = 0;
      this.fieldBytes = 0;
      return;
    }
    if (!this.lineContinues) {
      this.fieldBytes = 0;
      this.fieldIsContentType = (buf[start] === C_UPPER || buf[start] === C_LOWER) && CONTENT_TYPE_NAME.test(buf.toString('latin1', start, Math.min(end, start + 40)));
    }
    this.headerLines++;
    this.headerBytes += bytes;
    this.fieldBytes += bytes;
    if (this.headerLines > this.limits.maxHeaderLines) this.violation = { kind: 'header-lines', limit: this.limits.maxHeaderLines };
    this.checkHeader(0, this.fieldBytes);
    if (this.fieldIsContentType && !this.violation) this.noteBoundary(buf.toString('latin1', start, end));
  }

  /** `pending`: bytes of the unfinished line; `field`: bytes of the field it belongs to, that line included. */
  private checkHeader(pending: number, field: number): void {
    if (this.violation) return;
    if (this.headerBytes + pending > this.limits.maxHeaderBytes) this.violation = { kind: 'header-bytes', limit: this.limits.maxHeaderBytes };
    else if (field > this.limits.maxHeaderFieldBytes) {
      this.violation = { kind: 'header-field-bytes', limit: this.limits.maxHeaderFieldBytes };
    }
  }

  private noteBoundary(line: string): void {
    const match = BOUNDARY_PARAM.exec(line);
    if (!match) return;
    this.boundaries.add((match[1] ?? match[2])!.replace(/[ \t]+$/, ''));
    // Each multipart is a part of its own: nesting counts against the same limit.
    if (this.boundaries.size > this.limits.maxMimeParts) this.violation = { kind: 'mime-parts', limit: this.limits.maxMimeParts };
  }

  /** RFC 2046 §5.1.1: "--" boundary, optional "--" (the close delimiter), optional trailing whitespace. */
  private bodyLine(buf: Buffer, start: number, end: number): void {
    if (end - start < 3 || buf[start] !== DASH || buf[start + 1] !== DASH) return;
    const text = buf.toString('latin1', start + 2, end).replace(/[ \t]+$/, '');
    if (this.boundaries.has(text)) {
      this.parts++;
      // The part's own header block follows the delimiter.
      this.inHeader = true;
      this.fieldIsContentType = false;
      if (this.parts > this.limits.maxMimeParts) this.violation = { kind: 'mime-parts', limit: this.limits.maxMimeParts };
    }
  }
}
