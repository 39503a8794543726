/**
 * RFC 2046 §5.1.1 delimiter lines of every open multipart, found in one forward pass.
 *
 * A delimiter line is `--boundary` at the start of a line; `--boundary--` is the close delimiter.
 * Per the section's note to implementors only the start of the line is compared ("an exact match
 * of the entire candidate line is not required"), so trailing padding or junk does not hide a
 * delimiter. A delimiter of an enclosing multipart also ends the parts inside it, so each line is
 * tested against all open boundaries; when several match, the longest wins, then the innermost
 * (a nested multipart that reuses its parent's boundary owns it). No multipart rescans the bodies
 * of the parts inside it: the whole tree costs one pass however deep it nests.
 */
import { LF, NEAR, lineContentEnd, nextLineStart } from './bytes.js';

export interface Delimiter {
  /** Start of the `--boundary` line. */
  readonly lineStart: number;
  /**
   * Start of the line break in front of it, which belongs to the delimiter too: where the body
   * before it ends. When the line before is a (not close) delimiter line, that line break ends
   * that line, so this is `lineStart`.
   */
  readonly breakStart: number;
  /** Start of the line after it. */
  readonly next: number;
  /** Nesting level of the multipart whose boundary it is (what `push` returned). */
  readonly level: number;
  readonly close: boolean;
}

/** RFC 2046 §5.1.1 allows 70 characters; a longer boundary parameter is not a usable one. */
const MAX_BOUNDARY_LENGTH = 200;
const DASH = 0x2d;
const LINE_THEN_DASHES = Buffer.from('\n--', 'latin1');

export class BoundaryScanner {
  /** Open boundaries as bytes, outermost first; the index is the level. */
  private readonly open: Buffer[] = [];
  /** How many open boundaries start with each byte: most lines are rejected on one lookup. */
  private readonly firstBytes = new Uint16Array(256);
  /** The last delimiter found: lines are only ever looked at going forward, some twice. */
  private last: Delimiter | null = null;

  constructor(private readonly raw: Buffer) {}

  /** Opens a multipart's boundary; returns its level, or null when the boundary is unusable. */
  push(boundary: string): number | null {
    if (boundary.length === 0 || boundary.length > MAX_BOUNDARY_LENGTH) return null;
    const key = Buffer.from(boundary, 'utf8');
    this.open.push(key);
    this.firstBytes[key[0]!]!++;
    return this.open.length - 1;
  }

  /** Closes the innermost open boundary. */
  pop(): void {
    const key = this.open.pop();
    if (key) this.firstBytes[key[0]!]!--;
  }

  /** The delimiter line of an open boundary starting at `lineStart`, or null. */
  at(lineStart: number): Delimiter | null {
    const raw = this.raw;
    if (this.last?.lineStart === lineStart) return this.last;
    if (this.open.length === 0 || raw[lineStart] !== DASH || raw[lineStart + 1] !== DASH) return null;
    const from = lineStart + 2;
    const first = raw[from];
    if (first === undefined || this.firstBytes[first] === 0) return null;
    let level = -1;
    let length = 0;
    for (let k = this.open.length - 1; k >= 0; k--) {
      const key = this.open[k]!;
      if (key.length > length && matchesAt(raw, from, key)) {
        level = k;
        length = key.length;
      }
    }
    if (level < 0) return null;
    const after = from + length;
    this.last = {
      lineStart,
      breakStart: lineContentEnd(raw, this.lineBreakFloor(), lineStart),
      next: nextLineStart(raw, after, raw.length),
      level,
      close: raw[after] === DASH && raw[after + 1] === DASH,
    };
    return this.last;
  }

  /**
   * Where line breaks may start to belong to the next delimiter: a delimiter line owns the line
   * break that ends it (`dash-boundary transport-padding CRLF body-part`), but after a close
   * delimiter the line break may be the next delimiter's, the epilogue being optional.
   */
  private lineBreakFloor(): number {
    const last = this.last;
    if (!last) return 0;
    return last.close ? lineContentEnd(this.raw, last.lineStart, last.next) : last.next;
  }

  /** The first delimiter line of an open boundary at or after the line start `pos`, or null. */
  find(pos: number): Delimiter | null {
    if (this.open.length === 0) return null;
    const here = this.at(pos);
    if (here) return here;
    // Candidates close together are found by a plain loop, far ones by indexOf; each is rejected
    // in a few byte comparisons, so even a body of nothing but `--` lines is one cheap pass.
    const raw = this.raw;
    let i = pos;
    for (;;) {
      const near = Math.min(raw.length, i + NEAR);
      while (i < near && !(raw[i] === LF && raw[i + 1] === DASH && raw[i + 2] === DASH)) i++;
      if (i === near) {
        i = near < raw.length ? raw.indexOf(LINE_THEN_DASHES, near) : -1;
        if (i < 0) return null;
      }
      const found = this.at(i + 1);
      if (found) return found;
      i++;
    }
  }
}

/** Whether `raw` holds `key` at `from`; a plain loop, as most candidates differ in the first bytes. */
function matchesAt(raw: Buffer, from: number, key: Buffer): boolean {
  if (raw.length - from < key.length) return false;
  for (let i = 0; i < key.length; i++) if (raw[from + i] !== key[i]) return false;
  return true;
}
