/**
 * What a reader is shown of a message, for the filters' view (src/filters/message.ts): the text of
 * its inline text/plain and text/html parts after transfer and charset decoding, and the name and
 * type of everything else (attachments), read from the MIME structure computed once per message
 * (structure.ts) rather than by a second parser.
 *
 * Which part is which, as mail readers show them (RFC 2183 §2.1, §2.2): a text/plain or text/html
 * part is text unless its disposition is "attachment"; every other leaf, and an enclosed
 * message/rfc822 (RFC 2046 §5.2.1) as a whole, is an attachment. Bounded like the search text:
 * at most `limit` characters of each kind, and at most MAX_READ_PARTS parts, past which the
 * message is reported as not readable (the filters score that).
 */
import { decodeEncodedWords } from '../text/index.js';
import { decodeCharset } from './charset.js';
import { decodeTransferEncoding } from './transfer-encoding.js';
import type { MimePart } from './types.js';

/** Parts read per message (mailsplit's limit, which the filters used before). */
const MAX_READ_PARTS = 1000;
/** Encoded bytes read per text part for the remaining budget: base64 is 4/3, quoted-printable up to 3×. */
const ENCODED_BYTES_PER_CHAR = 4;

export interface MessageText {
  /** The text/plain parts, joined by a line break. */
  readonly plain: string;
  /** The text/html parts, as HTML. */
  readonly html: string;
  readonly attachments: ReadonlyArray<{ readonly name: string; readonly type: string }>;
  /** Why the message could not be read whole, or null. */
  readonly problem: string | null;
}

export function readMessageText(raw: Buffer, structure: MimePart, limit: number): MessageText {
  const reader = new TextReader(raw, limit);
  reader.read(structure);
  return {
    plain: reader.plain.join('\n'),
    html: reader.html.join('\n'),
    attachments: reader.attachments,
    problem: reader.parts > MAX_READ_PARTS ? `more than ${MAX_READ_PARTS} MIME parts` : null,
  };
}

class TextReader {
  readonly plain: string[] = [];
  readonly html: string[] = [];
  readonly attachments: Array<{ name: string; type: string }> = [];
  parts = 0;
  private plainLeft: number;
  private htmlLeft: number;

  constructor(
    private readonly raw: Buffer,
    limit: number,
  ) {
    this.plainLeft = limit;
    this.htmlLeft = limit;
  }

  read(part: MimePart): void {
    if (++this.parts > MAX_READ_PARTS) return;
    if (part.children) {
      for (const child of part.children) this.read(child);
      return;
    }
    const inline = part.disposition?.type !== 'attachment';
    if (inline && part.type === 'text' && part.subtype === 'plain') this.plainLeft = this.addText(part, this.plain, this.plainLeft);
    else if (inline && part.type === 'text' && part.subtype === 'html') this.htmlLeft = this.addText(part, this.html, this.htmlLeft);
    else this.attachments.push({ name: fileName(part), type: `${part.type}/${part.subtype}` });
  }

  /** Appends the part's decoded text within `left` characters; returns what is left. */
  private addText(part: MimePart, into: string[], left: number): number {
    if (left <= 0) return left;
    const encodedEnd = Math.min(part.bodyEnd, part.bodyStart + left * ENCODED_BYTES_PER_CHAR);
    const text = decodeCharset(decodeTransferEncoding(this.raw.subarray(part.bodyStart, encodedEnd), part.encoding), part.params['charset']);
    const kept = text.length > left ? text.slice(0, left) : text;
    into.push(kept);
    return left - kept.length - 1;
  }
}

/** RFC 2183 §2.3 filename, else the older Content-Type `name` (RFC 2046 §4.5.1); encoded-words decoded as mailers write them. */
function fileName(part: MimePart): string {
  const name = part.disposition?.params['filename'] ?? part.params['name'] ?? '';
  return name === '' ? '' : decodeEncodedWords(name);
}
