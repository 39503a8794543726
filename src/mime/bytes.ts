/** Byte-level scanning helpers over the raw message. */

export const LF = 0x0a;
export const CR = 0x0d;
export const SP = 0x20;
export const HTAB = 0x09;

/**
 * Index of `needle` in `buf[from, end)`, or -1. When `end` is short of the buffer's end the search
 * runs on a zero-copy view, so it never scans bytes past `end`.
 */
export function indexWithin(buf: Buffer, needle: Buffer | number, from: number, end: number): number {
  if (from >= end) return -1;
  if (end >= buf.length) return buf.indexOf(needle, from);
  const found = buf.subarray(from, end).indexOf(needle);
  return found < 0 ? -1 : from + found;
}

/** Value of an ASCII hex digit byte, or -1. */
export function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

/**
 * Bytes looked at with a plain loop before handing a search to indexOf: short lines cost no
 * native call each (a header of millions of tiny lines), long ones get memchr speed.
 */
export const NEAR = 128;

/** Start of the line after the one starting at `pos` (past its LF), or `end` if it is the last line. */
export function nextLineStart(buf: Buffer, pos: number, end: number): number {
  const near = Math.min(end, pos + NEAR);
  for (let i = pos; i < near; i++) if (buf[i] === LF) return i + 1;
  const lf = indexWithin(buf, LF, near, end);
  return lf < 0 ? end : lf + 1;
}

/** End of a line's content: before its LF and a CR in front of it, never before `lineStart`. */
export function lineContentEnd(buf: Buffer, lineStart: number, lineEnd: number): number {
  let e = lineEnd;
  if (e > lineStart && buf[e - 1] === LF) e--;
  if (e > lineStart && buf[e - 1] === CR) e--;
  return e;
}

/** LFs counted per block of this many bytes, so a count over a large range reads only its two ends. */
const BLOCK = 64 * 1024;

/**
 * Counts text lines in ranges of one buffer. Nested message/rfc822 parts each count the lines of
 * their whole body; with per-block totals (built once, on the first large range) a count costs
 * at most two blocks of scanning, so deep nesting stays linear.
 */
export class LineCounter {
  private prefix: Uint32Array | null = null;

  constructor(private readonly buf: Buffer) {}

  /**
   * RFC 3501 §7.4.2 body-fld-lines of the body `[start, end)`: its line ends (LF, with or without
   * CR). A part's last line has none, its line break being the next delimiter's, so `hello` before
   * a delimiter is 0 lines: the count Dovecot gives, which clients have long seen.
   */
  lines(start: number, end: number): number {
    if (start >= end) return 0;
    if (end - start <= 2 * BLOCK) return countLfDirect(this.buf, start, end);
    const prefix = (this.prefix ??= this.buildPrefix());
    const firstFull = Math.ceil(start / BLOCK);
    const lastFull = Math.floor(end / BLOCK);
    return (
      countLfDirect(this.buf, start, firstFull * BLOCK) + (prefix[lastFull]! - prefix[firstFull]!) + countLfDirect(this.buf, lastFull * BLOCK, end)
    );
  }

  /** prefix[k] = LFs in buf[0, k·BLOCK). */
  private buildPrefix(): Uint32Array {
    const blocks = Math.ceil(this.buf.length / BLOCK);
    const prefix = new Uint32Array(blocks + 1);
    for (let k = 0; k < blocks; k++) prefix[k + 1] = prefix[k]! + countLfDirect(this.buf, k * BLOCK, Math.min((k + 1) * BLOCK, this.buf.length));
    return prefix;
  }
}

/** A plain loop: steady about a byte per nanosecond whether lines are short or long. */
function countLfDirect(buf: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (buf[i] === LF) n++;
  return n;
}
