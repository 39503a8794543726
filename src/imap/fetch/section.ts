/**
 * RFC 3501 §6.4.5 body sections: which bytes of the raw message `BODY[section]` names, found from
 * the part offsets stored at delivery (src/store/types.ts MimePart), never by parsing the message
 * again. Only HEADER.FIELDS(.NOT) looks at bytes, and only at the one header block it needs.
 */
import type { MimePart } from '../../store/index.js';

/** RFC 3501 §9 `section-msgtext` / `section-text`. */
export type SectionText =
  | { readonly kind: 'HEADER' }
  | { readonly kind: 'HEADER.FIELDS'; readonly not: boolean; readonly fields: readonly string[] }
  | { readonly kind: 'TEXT' }
  | { readonly kind: 'MIME' };

/** `BODY[1.2.HEADER]` → `{part: [1, 2], text: {kind: 'HEADER'}}`; `BODY[]` → `{part: [], text: null}`. */
export interface Section {
  readonly part: readonly number[];
  readonly text: SectionText | null;
}

/** Bytes [start, end) of the raw message; `fields` asks for the header lines to be filtered. */
export interface SectionRange {
  readonly start: number;
  readonly end: number;
  readonly fields?: { readonly names: readonly string[]; readonly not: boolean };
}

/** The section text as the response repeats it (RFC 3501 §7.4.2 `BODY[<section>]`). */
export function formatSection(section: Section): string {
  const parts = section.part.map(String);
  const text = section.text;
  if (text) {
    parts.push(
      text.kind === 'HEADER.FIELDS'
        ? `HEADER.FIELDS${text.not ? '.NOT' : ''} (${text.fields.map((f) => f.toUpperCase()).join(' ')})`
        : text.kind,
    );
  }
  return parts.join('.');
}

/**
 * RFC 3501 §6.4.5 part numbering: the parts of a multipart are numbered from 1; a message that is
 * not multipart has one part, 1, its body; the numbers after a MESSAGE/RFC822 part continue inside
 * the enclosed message.
 */
export function findPart(root: MimePart, path: readonly number[]): MimePart | null {
  let node = root;
  let atMessageRoot = true;
  for (let i = 0; i < path.length; i++) {
    const n = path[i]!;
    let next: MimePart | undefined;
    if (node.children) next = node.children[n - 1];
    else if (atMessageRoot && n === 1) next = node;
    if (!next) return null;
    node = next;
    atMessageRoot = false;
    if (i + 1 < path.length && node.message) {
      node = node.message.structure;
      atMessageRoot = true;
    }
  }
  return node;
}

/**
 * Where the section lies in the raw message of `messageSize` bytes whose top-level header block is
 * `headerSize` bytes; null when the section names a part that does not exist, or HEADER/TEXT of a
 * part that is not a MESSAGE/RFC822. The MIME tree `root` is needed only for part numbers.
 */
export function locateSection(section: Section, root: MimePart | null, headerSize: number, messageSize: number): SectionRange | null {
  const text = section.text;
  if (section.part.length === 0) {
    if (!text) return { start: 0, end: messageSize };
    return messageTextRange(text, 0, headerSize, messageSize);
  }
  const part = root && findPart(root, section.part);
  if (!part) return null;
  if (!text) return { start: part.bodyStart, end: part.bodyEnd };
  if (text.kind === 'MIME') return { start: part.headerStart, end: part.bodyStart };
  // HEADER / TEXT / HEADER.FIELDS after a part number: only for an enclosed message (§6.4.5).
  if (!part.message) return null;
  const inner = part.message.structure;
  return messageTextRange(text, inner.headerStart, inner.bodyStart, part.bodyEnd);
}

function messageTextRange(text: SectionText, headerStart: number, bodyStart: number, end: number): SectionRange | null {
  switch (text.kind) {
    case 'HEADER':
      return { start: headerStart, end: bodyStart };
    case 'HEADER.FIELDS':
      return { start: headerStart, end: bodyStart, fields: { names: text.fields, not: text.not } };
    case 'TEXT':
      return { start: bodyStart, end };
    case 'MIME':
      // The grammar only allows MIME after a part number (RFC 3501 §9 section-spec).
      return null;
  }
}

/**
 * RFC 3501 §6.4.5 HEADER.FIELDS / HEADER.FIELDS.NOT: the header lines whose name matches (or does
 * not match) one of `names`, case-insensitively, folded continuation lines included, followed by
 * the blank line that ends the header block when the block has one.
 */
export function filterHeaderFields(block: Buffer, names: readonly string[], not: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const kept: Buffer[] = [];
  let keep = false;
  let pos = 0;
  let blankLine: Buffer | null = null;
  while (pos < block.length) {
    const lf = block.indexOf(0x0a, pos);
    const end = lf < 0 ? block.length : lf + 1;
    const line = block.subarray(pos, end);
    pos = end;
    const first = line[0];
    if (first === 0x0d || first === 0x0a) {
      blankLine = line;
      break;
    }
    if (first !== 0x20 && first !== 0x09) {
      const colon = line.indexOf(0x3a);
      const name = (colon < 0 ? '' : line.subarray(0, colon).toString('latin1')).trim().toLowerCase();
      keep = wanted.has(name) !== not;
    }
    if (keep) kept.push(line);
  }
  if (blankLine) kept.push(blankLine);
  return Buffer.concat(kept);
}

/** RFC 3501 §6.4.5 `<origin.octets>`: the substring; empty when origin is past the end. */
export function applyPartial(start: number, end: number, partial: { readonly origin: number; readonly count: number } | null): [number, number] {
  if (!partial) return [start, end];
  const from = Math.min(start + partial.origin, end);
  return [from, Math.min(from + partial.count, end)];
}
