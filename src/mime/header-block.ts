/**
 * RFC 5322 §2.2 header block of a message or of a MIME part, read from bytes.
 *
 * Lines may end in CRLF or a bare LF (messages imported from mbox). A line starting with WSP
 * continues the previous field (§2.2.3 folding); a line without a colon is not a field and is
 * skipped, along with its continuations. The block ends at the first empty line, which belongs
 * to the header (§2.1); without one, the whole range is header and the body is empty. Inside a
 * multipart a delimiter line also ends it (`stopAt`), and the line break before the delimiter is
 * the delimiter's (RFC 2046 §5.1.1), not the header's. (Whether the line after the empty line is
 * a delimiter is for the caller to decide: a multipart's own boundary is open only from there.)
 */
import { CR, HTAB, LF, SP, indexWithin, lineContentEnd, nextLineStart } from './bytes.js';

export interface HeaderBlock<Stop = never> {
  /** First occurrence of each wanted field (lowercase name) → unfolded value, bytes read as UTF-8. */
  readonly fields: ReadonlyMap<string, string>;
  /** Offset just past the empty line; the end of the range or of the block when there is none. */
  readonly bodyStart: number;
  /** What `stopAt` returned for the line that ended the block early, or null. */
  readonly stop: Stop | null;
}

const COLON = 0x3a;
const NUL = 0x00;
/** WSP tolerated between a field name and its colon (RFC 5322 §4.5.3), beyond which a colon does not end a wanted name. */
const MAX_WSP_BEFORE_COLON = 16;

/**
 * Only the fields in `wanted` are kept, so a header of many thousand lines costs no more than a
 * scan: nothing is allocated for fields nobody reads.
 */
export function parseHeaderBlock<Stop = never>(
  buf: Buffer,
  start: number,
  end: number,
  wanted: ReadonlySet<string>,
  stopAt?: (lineStart: number) => Stop | null,
): HeaderBlock<Stop> {
  const fields = new Map<string, string>();
  let field: { name: string; valueStart: number; valueEnd: number } | null = null;
  const finish = (): void => {
    if (field) fields.set(field.name, unfoldValue(buf, field.valueStart, field.valueEnd));
    field = null;
  };
  const stopBefore = (lineStart: number, stop: Stop): HeaderBlock<Stop> => {
    finish();
    return { fields, bodyStart: lineContentEnd(buf, start, lineStart), stop };
  };

  const names = namesByLength(wanted);
  let pos = start;
  while (pos < end) {
    const stop = stopAt?.(pos) ?? null;
    if (stop !== null) return stopBefore(pos, stop);
    const lineEnd = nextLineStart(buf, pos, end);
    const contentEnd = lineContentEnd(buf, pos, lineEnd);
    if (contentEnd === pos) {
      finish();
      return { fields, bodyStart: lineEnd, stop: null };
    }
    const first = buf[pos];
    if (first === SP || first === HTAB) {
      if (field) field.valueEnd = contentEnd;
    } else {
      finish();
      const colon = colonIndex(buf, pos, Math.min(contentEnd, pos + names.longest + MAX_WSP_BEFORE_COLON));
      const name = colon > pos ? matchName(buf, pos, colon, names) : null;
      if (name !== null && !fields.has(name)) field = { name, valueStart: colon + 1, valueEnd: contentEnd };
    }
    pos = lineEnd;
  }
  finish();
  return { fields, bodyStart: end, stop: null };
}

/** The colon ending a field name in `buf[from, limit)`, as far as a wanted name could reach; -1 if none. */
function colonIndex(buf: Buffer, from: number, limit: number): number {
  for (let i = from; i < limit; i++) if (buf[i] === COLON) return i;
  return -1;
}

interface WantedNames {
  /** Lowercase names by length. */
  readonly byLength: ReadonlyMap<number, readonly string[]>;
  readonly longest: number;
}

const wantedIndexes = new WeakMap<ReadonlySet<string>, WantedNames>();

/** The wanted names grouped by length, built once per set. */
function namesByLength(wanted: ReadonlySet<string>): WantedNames {
  let index = wantedIndexes.get(wanted);
  if (!index) {
    const byLength = new Map<number, string[]>();
    for (const name of wanted) byLength.set(name.length, [...(byLength.get(name.length) ?? []), name.toLowerCase()]);
    wantedIndexes.set(wanted, (index = { byLength, longest: Math.max(0, ...byLength.keys()) }));
  }
  return index;
}

/**
 * The wanted name that `buf[start, colon)` spells, ignoring ASCII case, or null. Compares bytes,
 * so the many fields nobody asked for cost no string. RFC 5322 §4.5.3 (obsolete syntax) allows
 * WSP between the name and the colon.
 */
function matchName(buf: Buffer, start: number, colon: number, names: WantedNames): string | null {
  let end = colon;
  while (end > start && (buf[end - 1] === SP || buf[end - 1] === HTAB)) end--;
  const candidates = names.byLength.get(end - start);
  if (!candidates) return null;
  for (const name of candidates) {
    let i = 0;
    for (; i < name.length; i++) {
      const b = buf[start + i]!;
      if ((b >= 0x41 && b <= 0x5a ? b + 0x20 : b) !== name.charCodeAt(i)) break;
    }
    if (i === name.length) return name;
  }
  return null;
}

/**
 * RFC 5322 §2.2.3: unfolding removes the line breaks and keeps the WSP that follows them. NULs go
 * too: no IMAP string can carry them (RFC 3501 §4.3, CHAR8 excludes NUL).
 */
function unfoldValue(buf: Buffer, start: number, end: number): string {
  if (indexWithin(buf, LF, start, end) < 0 && indexWithin(buf, CR, start, end) < 0 && indexWithin(buf, NUL, start, end) < 0) {
    return trimWsp(buf.toString('utf8', start, end));
  }
  const bytes = Buffer.allocUnsafe(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b !== CR && b !== LF && b !== NUL) bytes[n++] = b;
  }
  return trimWsp(bytes.toString('utf8', 0, n));
}

/** Trims SP and HTAB only (String.trim would also eat NBSP and other Unicode spaces). Linear, unlike a `[ \t]+$` regex. */
export function trimWsp(text: string): string {
  let s = 0;
  let e = text.length;
  while (s < e && (text.charCodeAt(s) === SP || text.charCodeAt(s) === HTAB)) s++;
  while (e > s && (text.charCodeAt(e - 1) === SP || text.charCodeAt(e - 1) === HTAB)) e--;
  return text.slice(s, e);
}


/**
 * Every field of a header block in order, names lowercase, values unfolded: for the search text
 * of all header fields and RFC 3501 §6.4.4 `HEADER`, which looks at each field of a repeated name.
 * The same line rules as parseHeaderBlock (bare LF, WSP continuation, lines without a colon skipped).
 */
export function listHeaderFields(buf: Buffer, start: number, end: number): Array<{ readonly name: string; readonly value: string }> {
  const fields: Array<{ name: string; value: string }> = [];
  let field: { name: string; valueStart: number; valueEnd: number } | null = null;
  const finish = (): void => {
    if (field) fields.push({ name: field.name, value: unfoldValue(buf, field.valueStart, field.valueEnd) });
    field = null;
  };
  for (let pos = start; pos < end; ) {
    const lineEnd = nextLineStart(buf, pos, end);
    const contentEnd = lineContentEnd(buf, pos, lineEnd);
    if (contentEnd === pos) break;
    const first = buf[pos];
    if (first === SP || first === HTAB) {
      if (field) field.valueEnd = contentEnd;
    } else {
      finish();
      const colon = indexWithin(buf, COLON, pos, contentEnd);
      if (colon > pos) field = { name: trimWsp(buf.toString('latin1', pos, colon)).toLowerCase(), valueStart: colon + 1, valueEnd: contentEnd };
    }
    pos = lineEnd;
  }
  finish();
  return fields;
}
