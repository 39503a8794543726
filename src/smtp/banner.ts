import { analyzeMessage, type MimePart } from '../mime/index.js';
import { withoutVietnameseMarks } from '../text/index.js';
import { asBuffer, concatShared, defineTask, type WorkerPool } from '../workers/index.js';

/**
 * `[spam] impersonation_banner`: a short first line, in Vietnamese, put at the top of every text
 * part a reader sees of mail from outside that poses as us (src/filters/impersonation.ts), so the
 * warning shows even where a client hides the Subject tag.
 *
 * - text/plain gets the line and an empty line; text/html gets a `<p>` after `<body>` (or at the
 *   top), written in ASCII with character references (HTML 4.01 §5.3.1), so any charset carries it;
 * - each part keeps its Content-Transfer-Encoding (RFC 2045 §6): base64 is decoded, prefixed and
 *   re-encoded in 76-character lines (§6.8), quoted-printable gets the banner encoded as QP (§6.7),
 *   7bit/8bit/binary get it as is; headers and MIME boundaries are untouched, so the structure stays;
 * - in a part whose charset is not UTF-8, or that is 7bit and holds only ASCII, the plain line loses
 *   its diacritics ("Thu tu ben ngoai"), which every ASCII-compatible charset shows the same (a
 *   "7bit" UTF-8 part that already carries 8-bit text, as many senders write, gets the UTF-8 line);
 * - attachments and enclosed messages (message/rfc822) are left alone.
 * The body changes after the DKIM check: its result is already recorded in our
 * Authentication-Results field (RFC 8601 §5), which is what the reader's client trusts.
 * Runs on the analysis workers (src/workers): it reads the MIME structure of a sender's message.
 */
export interface BannerInput {
  readonly raw: Uint8Array;
  readonly banner: string;
}

export const INSERT_BANNER = defineTask<BannerInput, Uint8Array>(new URL(import.meta.url), 'insertBannerTask');

export function insertBannerTask(input: BannerInput): Uint8Array {
  return insertBanner(asBuffer(input.raw), input.banner);
}

/** The stored copy with `banner` inserted (on a worker), or `raw` itself when there is none. */
export async function withBanner(workers: WorkerPool, raw: Buffer, banner: string | undefined, queueId: string): Promise<Buffer> {
  if (!banner) return raw;
  return asBuffer(await workers.run(INSERT_BANNER, { raw, banner }, queueId, raw.length));
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly bytes: Buffer;
}

/** RFC 2045 §6.7 rule 5 and §6.8: encoded lines of at most 76 characters. */
const LINE = 76;
/** How far into an HTML part `<body>` is looked for. */
const BODY_TAG_WINDOW = 64 * 1024;
const BODY_TAG = /<body\b[^>]*>/i;

/** `raw` with the banner at the top of each inline text/plain and text/html part. */
export function insertBanner(raw: Buffer, banner: string): Buffer {
  const edits: Edit[] = [];
  collectEdits(raw, analyzeMessage(raw).structure, banner, edits);
  if (edits.length === 0) return raw;
  const pieces: Buffer[] = [];
  let at = 0;
  for (const edit of edits.sort((a, b) => a.start - b.start)) {
    pieces.push(raw.subarray(at, edit.start), edit.bytes);
    at = edit.end;
  }
  pieces.push(raw.subarray(at));
  return concatShared(pieces);
}

function collectEdits(raw: Buffer, part: MimePart, banner: string, edits: Edit[]): void {
  if (part.children) {
    for (const child of part.children) collectEdits(raw, child, banner, edits);
    return;
  }
  if (part.type !== 'text' || (part.subtype !== 'plain' && part.subtype !== 'html')) return;
  if (part.disposition?.type.toLowerCase() === 'attachment') return;
  const edit = partEdit(raw, part, banner);
  if (edit) edits.push(edit);
}

function partEdit(raw: Buffer, part: MimePart, banner: string): Edit | null {
  const encoding = part.encoding.toLowerCase();
  const charset = (part.params.charset ?? 'us-ascii').toLowerCase();
  const body = raw.subarray(part.bodyStart, part.bodyEnd);
  const utf8 = (charset === 'utf-8' || charset === 'utf8') && (encoding !== '7bit' || hasEightBit(body));
  const html = part.subtype === 'html';
  const text = html ? htmlBanner(banner) : Buffer.from(`${utf8 ? banner : withoutVietnameseMarks(banner).normalize('NFC')}\r\n\r\n`, utf8 ? 'utf8' : 'latin1');
  if (encoding === 'base64') {
    const decoded = Buffer.from(body.toString('latin1'), 'base64');
    const at = html ? afterBodyTag(decoded) : 0;
    const joined = Buffer.concat([decoded.subarray(0, at), text, decoded.subarray(at)]);
    const trailing = body.subarray(body.length - 2).toString('latin1') === '\r\n' ? '\r\n' : '';
    return { start: part.bodyStart, end: part.bodyEnd, bytes: Buffer.from(`${base64Lines(joined)}${trailing}`, 'latin1') };
  }
  const at = part.bodyStart + (html ? afterBodyTag(body) : 0);
  const bytes = encoding === 'quoted-printable' ? Buffer.from(quotedPrintable(text), 'latin1') : text;
  return { start: at, end: at, bytes };
}

function hasEightBit(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte > 0x7f) return true;
  return false;
}

/** The banner as an HTML paragraph in ASCII: markup escaped, every other character a reference. */
function htmlBanner(banner: string): Buffer {
  const escaped = [...banner]
    .map((c) => {
      if (c === '<') return '&lt;';
      if (c === '>') return '&gt;';
      if (c === '&') return '&amp;';
      const code = c.codePointAt(0)!;
      return code < 0x80 ? c : `&#${code};`;
    })
    .join('');
  return Buffer.from(`<p><strong>${escaped}</strong></p>\r\n`, 'latin1');
}

/** Offset just past `<body …>` near the top of an HTML part (in its decoded or QP form), else 0. */
function afterBodyTag(html: Buffer): number {
  const head = html.toString('latin1', 0, Math.min(html.length, BODY_TAG_WINDOW));
  const match = BODY_TAG.exec(head);
  return match ? match.index + match[0].length : 0;
}

function base64Lines(bytes: Buffer): string {
  const encoded = bytes.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < encoded.length; i += LINE) lines.push(encoded.slice(i, i + LINE));
  return lines.join('\r\n');
}

/**
 * RFC 2045 §6.7: bytes as quoted-printable, CRLF kept as line breaks, soft line breaks ("=") before
 * 76 characters; `=`, non-ASCII and controls as =XX; a space or tab before a line break encoded.
 */
function quotedPrintable(bytes: Buffer): string {
  let out = '';
  let line = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === 0x0d && bytes[i + 1] === 0x0a) {
      out += '\r\n';
      line = 0;
      i++;
      continue;
    }
    const beforeBreak = bytes[i + 1] === 0x0d || i + 1 === bytes.length;
    const literal = (byte >= 33 && byte <= 126 && byte !== 0x3d) || ((byte === 0x20 || byte === 0x09) && !beforeBreak);
    const token = literal ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    if (line + token.length > LINE - 1) {
      out += '=\r\n';
      line = 0;
    }
    out += token;
    line += token.length;
  }
  return out;
}
