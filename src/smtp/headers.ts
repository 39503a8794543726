/**
 * Header-block edits on a raw message, byte-exact everywhere else: the body (and any DKIM
 * signature over it) is never touched. RFC 5322 §2.2: a field runs until the next line that does
 * not start with WSP; the header block ends at the first empty line.
 */
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { FileRange } from '../store/index.js';
import { concatShared } from '../workers/index.js';

export interface HeaderField {
  /** Lowercase field name. */
  readonly name: string;
  /** Byte range of the whole field in the raw message, folded lines and final CRLF included. */
  readonly start: number;
  readonly end: number;
}

/** Offset just past the empty line that ends the header block (the whole message if there is none). */
export function headerBlockEnd(raw: Buffer): number {
  if (raw[0] === 0x0d && raw[1] === 0x0a) return 2;
  const end = raw.indexOf('\r\n\r\n');
  return end === -1 ? raw.length : end + 4;
}

/**
 * The header block of a message spooled to `file` (`size` octets), empty line included, read
 * without the body: at most `maxHeaderBytes` and the empty line, which the limits checked as the
 * message arrived guarantee (DESIGN.md "Config" [limits] max_header_bytes). The offsets of its
 * fields are the file's.
 */
export async function readHeaderBlock(file: string, size: number, maxHeaderBytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(Math.min(size, maxHeaderBytes + 4)), 0, Math.min(size, maxHeaderBytes + 4), 0);
    const head = buffer.subarray(0, bytesRead);
    return head.subarray(0, headerBlockEnd(head));
  } finally {
    await handle.close();
  }
}

/**
 * The header block of a message read from `stream` a chunk at a time, up to the chunk holding the
 * empty line (or past `maxHeaderBytes`, which the limits checked as the message arrived rule out),
 * then the stream is let go: the body is never read (DESIGN.md "Config" [limits] max_header_bytes).
 */
export async function readStreamHeaderBlock(stream: Readable, maxHeaderBytes: number): Promise<Buffer> {
  let head = Buffer.alloc(0);
  for await (const chunk of stream) {
    head = Buffer.concat([head, chunk as Buffer]);
    // Short of the whole block read so far, the empty line is inside it: stop reading.
    if (headerBlockEnd(head) < head.length || head.length > maxHeaderBytes) break;
  }
  return head.subarray(0, Math.min(headerBlockEnd(head), maxHeaderBytes));
}

export function headerFields(raw: Buffer): HeaderField[] {
  const blockEnd = headerBlockEnd(raw);
  const fields: HeaderField[] = [];
  let start = 0;
  while (start < blockEnd) {
    let end = raw.indexOf('\r\n', start);
    end = end === -1 || end >= blockEnd ? blockEnd : end + 2;
    // Continuation lines (starting with SP or HT) belong to the same field.
    while (end < blockEnd && (raw[end] === 0x20 || raw[end] === 0x09)) {
      const next = raw.indexOf('\r\n', end);
      end = next === -1 || next >= blockEnd ? blockEnd : next + 2;
    }
    const colon = raw.indexOf(':', start);
    if (colon !== -1 && colon < end) fields.push({ name: raw.toString('latin1', start, colon).trim().toLowerCase(), start, end });
    start = end;
  }
  return fields;
}

/** The unfolded value of a field (UTF-8, as RFC 6532 allows), without the name and colon. */
export function fieldValue(raw: Buffer, field: HeaderField): string {
  const text = raw.toString('utf8', field.start, field.end);
  return text
    .slice(text.indexOf(':') + 1)
    .replace(/\r\n(?=[ \t])/g, '')
    .trim();
}

/** Values of every field called `name`, in order. */
export function fieldValues(raw: Buffer, name: string): string[] {
  return headerFields(raw)
    .filter((f) => f.name === name)
    .map((f) => fieldValue(raw, f));
}

/** The message without the fields for which `drop` returns true. */
export function removeFields(raw: Buffer, drop: (field: HeaderField, value: string) => boolean): Buffer {
  const dropped = headerFields(raw).filter((f) => drop(f, fieldValue(raw, f)));
  return dropped.length === 0 ? raw : Buffer.concat(keptParts(raw, dropped));
}

/**
 * Puts complete field lines ("Name: value", folded with CRLF+WSP if needed) on top, in the order
 * given, and leaves out the `dropped` fields (in message order, from headerFields): the body is
 * copied once, whatever is added and removed. The result is in shared memory, so the analysis
 * workers read it without a copy.
 */
export function prependFields(raw: Buffer, lines: readonly string[], dropped: readonly HeaderField[] = []): Buffer {
  if (lines.length === 0 && dropped.length === 0) return raw;
  return concatShared(fieldsOnTop(raw, lines, dropped));
}

/**
 * The same message as prependFields, as pieces and without any copy of `raw`: the new fields in
 * one small buffer, then views of `raw` around the dropped fields (the store takes it so, MessageBytes).
 */
export function fieldsOnTop(raw: Buffer, lines: readonly string[], dropped: readonly HeaderField[] = []): Buffer[] {
  return [fieldBlock(lines), ...keptParts(raw, dropped)];
}

/**
 * fieldsOnTop of a message spooled to `file` (`size` octets): the same new fields, then ranges of
 * the file around the dropped fields, which the store reads as it writes them (src/store FileRange).
 */
export function fieldsOnTopOfFile(file: string, size: number, lines: readonly string[], dropped: readonly HeaderField[] = []): [Buffer, ...FileRange[]] {
  return [fieldBlock(lines), ...keptRanges(size, dropped).map(([start, end]) => ({ file, start, end }))];
}

function fieldBlock(lines: readonly string[]): Buffer {
  return Buffer.from(lines.map((line) => `${line.replace(/\r?\n$/, '')}\r\n`).join(''), 'utf8');
}

/** The pieces of `raw` around the `dropped` fields, without copying. */
function keptParts(raw: Buffer, dropped: readonly HeaderField[]): Buffer[] {
  return keptRanges(raw.length, dropped).map(([start, end]) => raw.subarray(start, end));
}

/** The octet ranges [start, end) of a message of `size` octets around the `dropped` fields. */
function keptRanges(size: number, dropped: readonly HeaderField[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let at = 0;
  for (const field of dropped) {
    ranges.push([at, field.start]);
    at = field.end;
  }
  ranges.push([at, size]);
  return ranges;
}

/** Inserts `tag` in front of the Subject value (adds a Subject when there is none). */
export function tagSubject(raw: Buffer, tag: string): Buffer {
  const subject = headerFields(raw).find((f) => f.name === 'subject');
  if (!subject) return prependFields(raw, [`Subject: ${tag}`]);
  const colon = raw.indexOf(':', subject.start) + 1;
  const space = raw[colon] === 0x20 ? 1 : 0;
  return Buffer.concat([raw.subarray(0, colon + space), Buffer.from(`${tag} `, 'utf8'), raw.subarray(colon + space)]);
}
