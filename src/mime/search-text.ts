/**
 * Decoded, Vietnamese-folded text of a message for the search index: subject and addresses with
 * RFC 2047 encoded-words decoded, every header field (`name: value` lines, for TEXT and HEADER,
 * RFC 3501 §6.4.4), and the text of text/plain and text/html parts after transfer and charset
 * decoding. Each text is capped so a huge message costs a bounded amount of work.
 */
import { decodeEncodedWords } from '../text/index.js';
import { htmlToText } from '../text/index.js';
import { foldVietnamese } from '../text/index.js';
import type { Envelope, EnvelopeAddress, MessageAnalysis, MimePart } from './types.js';
import { decodeCharset } from './charset.js';
import { listHeaderFields } from './header-block.js';
import { decodeTransferEncoding } from './transfer-encoding.js';

/** Characters of body text indexed per message. */
export const MAX_BODY_TEXT = 1_000_000;
/** Characters indexed per header field (subject, each address field). */
const MAX_HEADER_TEXT = 64 * 1024;
/** Characters indexed of the whole header block (all fields). */
const MAX_HEADERS_TEXT = 256 * 1024;
/** Encoded bytes read per text part for the remaining budget: base64 is 4/3, quoted-printable up to 3×. */
const ENCODED_BYTES_PER_CHAR = 4;

export function buildSearchText(raw: Buffer, envelope: Envelope, structure: MimePart): MessageAnalysis['searchText'] {
  const body = new BodyText(raw);
  body.collect(structure);
  return {
    subject: foldVietnamese(subjectText(envelope)),
    from: foldVietnamese(addressText(envelope.from)),
    to: foldVietnamese(addressText(envelope.to)),
    cc: foldVietnamese(addressText(envelope.cc)),
    bcc: foldVietnamese(addressText(envelope.bcc)),
    headers: headerSearchText(raw, structure.bodyStart),
    body: foldVietnamese(body.text()),
  };
}

/** The header fields in `raw` up to `headerEnd` as the search index keeps them: folded, one per line. */
export function headerSearchText(raw: Buffer, headerEnd: number): string {
  return foldVietnamese(headersText(raw, headerEnd));
}

/** Joins the search text of fields put on top of a message with the message's own (prefix.ts). */
export function joinHeaderSearchText(top: string, rest: string): string {
  return (top === '' ? rest : rest === '' ? top : `${top}\n${rest}`).slice(0, MAX_HEADERS_TEXT);
}

/** Every top-level header field as `name: decoded value`, one per line. */
function headersText(raw: Buffer, headerEnd: number): string {
  const lines: string[] = [];
  let length = 0;
  for (const field of listHeaderFields(raw, 0, Math.min(headerEnd, MAX_HEADERS_TEXT * ENCODED_BYTES_PER_CHAR))) {
    if (length >= MAX_HEADERS_TEXT) break;
    const line = `${field.name}: ${decodeEncodedWords(field.value.slice(0, MAX_HEADER_TEXT))}`;
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join('\n').slice(0, MAX_HEADERS_TEXT);
}

function subjectText(envelope: Envelope): string {
  return decodeEncodedWords((envelope.subject ?? '').slice(0, MAX_HEADER_TEXT));
}

/** Display names (decoded) and addresses, group names included, so FROM/TO search finds either. */
function addressText(list: readonly EnvelopeAddress[] | null): string {
  if (!list) return '';
  const entries: string[] = [];
  let length = 0;
  for (const a of list) {
    if (length >= MAX_HEADER_TEXT) break;
    const name = a.name ? decodeEncodedWords(a.name.slice(0, MAX_HEADER_TEXT)) : '';
    // Without a host the mailbox is a group name or a bare name, which may be encoded-words too.
    const address = a.mailbox && a.host ? `${a.mailbox}@${a.host}` : decodeEncodedWords((a.mailbox ?? '').slice(0, MAX_HEADER_TEXT));
    const entry = name && address ? `${name} ${address}` : name || address;
    if (entry) {
      entries.push(entry);
      length += entry.length + 1;
    }
  }
  return entries.join(' ').slice(0, MAX_HEADER_TEXT);
}

class BodyText {
  private readonly chunks: string[] = [];
  private remaining = MAX_BODY_TEXT;

  constructor(private readonly raw: Buffer) {}

  text(): string {
    return this.chunks.join('\n');
  }

  collect(part: MimePart): void {
    if (this.remaining <= 0) return;
    if (part.children) {
      // RFC 2046 §5.1.4: alternatives carry the same content; index the plain one when there is one.
      const plain = part.subtype === 'alternative' ? part.children.find((c) => c.type === 'text' && c.subtype === 'plain') : undefined;
      for (const child of plain ? [plain] : part.children) this.collect(child);
    } else if (part.message) {
      const inner = part.message.envelope;
      this.add(`${subjectText(inner)} ${addressText(inner.from)}`);
      this.collect(part.message.structure);
    } else if (part.type === 'text' && (part.subtype === 'plain' || part.subtype === 'html')) {
      const encodedEnd = Math.min(part.bodyEnd, part.bodyStart + this.remaining * ENCODED_BYTES_PER_CHAR);
      const bytes = decodeTransferEncoding(this.raw.subarray(part.bodyStart, encodedEnd), part.encoding);
      const text = decodeCharset(bytes, part.params['charset']);
      this.add(part.subtype === 'html' ? htmlToText(text) : text);
    }
  }

  private add(text: string): void {
    const kept = text.length > this.remaining ? text.slice(0, this.remaining) : text;
    this.chunks.push(kept);
    this.remaining -= kept.length + 1;
  }
}
