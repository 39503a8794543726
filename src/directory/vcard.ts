import { compareEntries, type DirectoryEntry } from './directory-search.js';

/**
 * vCard 4.0 (RFC 6350) export of directory entries: one card per unit (KIND:org) and per person
 * (KIND:individual), concatenated in one `text/vcard` file that address books import at once.
 */

export const VCARD_CONTENT_TYPE = 'text/vcard; charset=utf-8';
const CRLF = '\r\n';
/** RFC 6350 §3.2: lines SHOULD be folded to at most 75 octets, excluding the line break. */
const MAX_LINE_OCTETS = 75;

/** RFC 6350 §3.4: in a text value, backslash, comma, semicolon and newline are escaped. */
function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/;/g, '\\;').replace(/\r\n|\r|\n/g, '\\n');
}

/** A structured value (N, ORG): components separated by ";", each escaped on its own. */
function structured(components: readonly string[]): string {
  return components.map(escapeText).join(';');
}

/**
 * RFC 6350 §3.2: a long line continues on the next after CRLF + one space; a multi-octet UTF-8
 * character is never split, so we cut between code points.
 */
export function foldLine(line: string): string {
  const pieces: string[] = [];
  let current = '';
  let octets = 0;
  // The continuation's leading space counts towards its 75 octets.
  let limit = MAX_LINE_OCTETS;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    if (octets + size > limit) {
      pieces.push(current);
      current = '';
      octets = 0;
      limit = MAX_LINE_OCTETS - 1;
    }
    current += char;
    octets += size;
  }
  pieces.push(current);
  return pieces.join(`${CRLF} `);
}

/**
 * RFC 6350 §6.2.2 N: family;given;additional;prefixes;suffixes. A Vietnamese name is written
 * family first and given name last: "Nguyễn Văn An" → Nguyễn;An;Văn;;.
 */
function nameComponents(fullName: string): string[] {
  const words = fullName.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 1) return ['', words[0] ?? '', '', '', ''];
  return [words[0] ?? '', words[words.length - 1] ?? '', words.slice(1, -1).join(' '), '', ''];
}

/** One entry as a vCard 4.0 object: a CardDAV address object resource (RFC 6352 §5.1) or part of an export. */
export function toVCard(entry: DirectoryEntry): string {
  const lines = ['BEGIN:VCARD', 'VERSION:4.0'];
  // RFC 6350 §6.1.4; §6.7.6 UID: the address is stable and unique, so its mailto: URI serves.
  lines.push(`KIND:${entry.kind === 'unit' ? 'org' : 'individual'}`);
  lines.push(`UID:mailto:${entry.address}`);
  lines.push(`FN:${escapeText(entry.name)}`);
  if (entry.kind === 'person') {
    lines.push(`N:${structured(nameComponents(entry.name))}`);
    if (entry.unit) lines.push(`ORG:${structured([entry.unit.name])}`);
    if (entry.title) lines.push(`TITLE:${escapeText(entry.title)}`);
  } else {
    lines.push(`ORG:${structured([entry.name])}`);
  }
  lines.push(`EMAIL;TYPE=work:${escapeText(entry.address)}`);
  // RFC 6350 §6.4.1: a free-form text value is allowed for numbers written as people write them.
  if (entry.phone) lines.push(`TEL;TYPE=work,voice:${escapeText(entry.phone)}`);
  lines.push('END:VCARD');
  return lines.map(foldLine).join(CRLF) + CRLF;
}

/** Units first, then people, each in Vietnamese order. */
export function toVCards(entries: readonly DirectoryEntry[]): string {
  const units = entries.filter((e) => e.kind === 'unit').sort(compareEntries);
  const people = entries.filter((e) => e.kind === 'person').sort(compareEntries);
  return [...units, ...people].map(toVCard).join('');
}
