/**
 * RFC 2046 §5.1.1 delimiter lines of every open multipart, found in one forward pass.
 *
 * A delimiter line is `--boundary` at the start of a line, then transport padding (LWSP) only;
 * `--boundary--` is the close delimiter. A delimiter of an enclosing multipart also ends the
 * parts inside it, so each line is tested against all open boundaries at once (a map lookup),
 * and no multipart rescans the bodies of the parts inside it: the whole tree costs one pass
 * however deep it nests. When two open multiparts share a boundary, the inner one owns it.
 */
import { CR, HTAB, LF, SP, nextLineStart } from './bytes.js';

export interface Delimiter {
  /** Start of the `--boundary` line; the line break before it belongs to the delimiter too. */
  readonly lineStart: number;
  /** Start of the line after it. */
  readonly next: number;
  /** Nesting level of the multipart whose boundary it is (see `open`). */
  readonly level: number;
  readonly close: boolean;
}

/** RFC 2046 §5.1.1 allows 70 characters; a longer boundary parameter is not a usable one. */
export const MAX_BOUNDARY_LENGTH = 200;
/** Transport padding read after a boundary before the line is taken for text. */
const MAX_PADDING = 256;
const DASH = 0x2d;
const LINE_THEN_DASHES = Buffer.from('\n--', 'latin1');

export class BoundaryScanner {
  /** Open boundary (as latin1 bytes) → nesting level of its multipart. */
  private readonly open = new Map<string, number>();
  private readonly stack: Array<{ readonly key: string; readonly shadowed: number | undefined }> = [];
  /** How many open boundaries start with each byte: most lines are rejected on one lookup. */
  private readonly firstBytes = new Uint16Array(256);
  /** How many open boundaries have each length: most other lines are rejected before any string is made. */
  private readonly lengths = new Uint16Array(MAX_BOUNDARY_LENGTH + 1);
  private maxLength = 0;

  constructor(private readonly raw: Buffer) {}

  /** Opens a multipart's boundary; returns its level, or null when the boundary is unusable. */
  push(boundary: string): number | null {
    if (boundary.length > MAX_BOUNDARY_LENGTH) return null;
    // RFC 2046 §5.1.1: a boundary does not end in a space; padding after it on the line is dropped anyway.
    const key = Buffer.from(boundary.trimEnd(), 'utf8').toString('latin1');
    if (key.length === 0 || key.length > MAX_BOUNDARY_LENGTH) return null;
    const level = this.stack.length;
    this.stack.push({ key, shadowed: this.open.get(key) });
    this.open.set(key, level);
    this.firstBytes[key.charCodeAt(0)]!++;
    this.lengths[key.length]!++;
    this.maxLength = Math.max(this.maxLength, key.length);
    return level;
  }

  /** Closes the innermost open boundary. */
  pop(): void {
    const top = this.stack.pop();
    if (!top) return;
    if (top.shadowed === undefined) this.open.delete(top.key);
    else this.open.set(top.key, top.shadowed);
    this.firstBytes[top.key.charCodeAt(0)]!--;
    this.lengths[top.key.length]!--;
    this.maxLength = this.stack.reduce((max, s) => Math.max(max, s.key.length), 0);
  }

  /** The delimiter line of an open boundary starting at `lineStart`, or null. */
  at(lineStart: number): Delimiter | null {
    const raw = this.raw;
    if (this.stack.length === 0 || raw[lineStart] !== DASH || raw[lineStart + 1] !== DASH) return null;
    const first = raw[lineStart + 2];
    if (first === undefined || this.firstBytes[first] === 0) return null;
    const from = lineStart + 2;
    const limit = Math.min(raw.length, from + this.maxLength + 2 + MAX_PADDING);
    let lineEnd = from;
    while (lineEnd < limit && raw[lineEnd] !== LF && raw[lineEnd] !== CR) lineEnd++;
    if (lineEnd === limit && limit < raw.length && raw[limit] !== LF && raw[limit] !== CR) return null;
    let e = lineEnd;
    while (e > from && (raw[e - 1] === SP || raw[e - 1] === HTAB)) e--;
    const length = e - from;
    if (length <= MAX_BOUNDARY_LENGTH && this.lengths[length]! > 0) {
      const level = this.open.get(raw.toString('latin1', from, e));
      if (level !== undefined) return { lineStart, next: nextLineStart(raw, lineEnd, raw.length), level, close: false };
    }
    if (length >= 2 && length - 2 <= MAX_BOUNDARY_LENGTH && this.lengths[length - 2]! > 0 && raw[e - 1] === DASH && raw[e - 2] === DASH) {
      const level = this.open.get(raw.toString('latin1', from, e - 2));
      if (level !== undefined) return { lineStart, next: nextLineStart(raw, lineEnd, raw.length), level, close: true };
    }
    return null;
  }

  /** The first delimiter line of an open boundary at or after the line start `pos`, or null. */
  find(pos: number): Delimiter | null {
    if (this.stack.length === 0) return null;
    const here = this.at(pos);
    if (here) return here;
    // Every candidate line is rejected in a few byte comparisons, so a body of nothing but `--`
    // lines costs one indexOf call per line: linear.
    for (let from = pos; ; ) {
      const lf = this.raw.indexOf(LINE_THEN_DASHES, from);
      if (lf < 0) return null;
      const found = this.at(lf + 1);
      if (found) return found;
      from = lf + 1;
    }
  }
}
