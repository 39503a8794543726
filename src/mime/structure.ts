/**
 * The MIME tree of a message with exact byte offsets into the raw message (RFC 2045, RFC 2046),
 * carrying what RFC 3501 §7.4.2 BODYSTRUCTURE needs, extension data included.
 *
 * One forward pass: each entity reads its header, then its body up to the next delimiter line of
 * any open multipart (BoundaryScanner), so nothing is scanned once per nesting level.
 *
 * Invariants the IMAP formatter relies on:
 * - headerStart <= bodyStart <= bodyEnd, within the body of the enclosing part; children are in
 *   order and do not overlap; a part ends before the line break in front of the next delimiter.
 * - a part of type multipart always has at least one child; a message/rfc822 part always has
 *   `message`. Where that cannot hold (no usable boundary, no delimiter in the body) the part is
 *   read as text/plain, the common practice of readers (RFC 2046 §5.1.1 gives no recovery);
 *   beyond the nesting or part-count limit it is application/octet-stream: opaque, never split.
 */
import type { Envelope, MimePart } from './types.js';
import { LineCounter, lineContentEnd } from './bytes.js';
import { BoundaryScanner, type Delimiter } from './boundaries.js';
import { AddressBudget } from './addresses.js';
import { ENVELOPE_FIELDS, envelopeFromFields } from './envelope.js';
import { parseHeaderBlock, trimWsp } from './header-block.js';
import { parseParameterizedValue } from './mime-params.js';

/** Nesting of multiparts and messages beyond which parts are opaque: bounds stack and work. */
export const MAX_DEPTH = 50;
/** Parts per message; delimiters after the last counted part are ignored like an epilogue. */
export const MAX_PARTS = 10_000;

/** The fields BODYSTRUCTURE reads from every part (RFC 2045, RFC 2183, RFC 3282, RFC 2557). */
const PART_FIELDS: ReadonlySet<string> = new Set([
  'content-type',
  'content-transfer-encoding',
  'content-id',
  'content-description',
  'content-md5',
  'content-disposition',
  'content-language',
  'content-location',
]);
/** A message's header also gives its ENVELOPE. */
const MESSAGE_FIELDS: ReadonlySet<string> = new Set([...PART_FIELDS, ...ENVELOPE_FIELDS]);

export interface ParsedMessage {
  readonly envelope: Envelope;
  readonly structure: MimePart;
}

export function parseMessage(raw: Buffer): ParsedMessage {
  const { envelope, structure } = new MimeParser(raw).message(0, 0);
  return { envelope, structure };
}

interface ContentType {
  readonly type: string;
  readonly subtype: string;
  readonly params: Readonly<Record<string, string>>;
}

/** RFC 2045 §5.2: no or an invalid Content-Type means text/plain; charset=us-ascii. */
const DEFAULT_TYPE: ContentType = { type: 'text', subtype: 'plain', params: { charset: 'us-ascii' } };
/** RFC 2046 §5.1.5: in a multipart/digest the default is message/rfc822. */
const DIGEST_DEFAULT_TYPE: ContentType = { type: 'message', subtype: 'rfc822', params: {} };

/** An entity and the delimiter that ended it (null: the end of the message). */
interface Parsed<T> {
  readonly value: T;
  readonly end: Delimiter | null;
}

class MimeParser {
  private readonly boundaries: BoundaryScanner;
  private readonly lines: LineCounter;
  private readonly addresses = new AddressBudget();
  private parts = 0;

  constructor(private readonly raw: Buffer) {
    this.boundaries = new BoundaryScanner(raw);
    this.lines = new LineCounter(raw);
  }

  /** A message (the top level, or the body of a message/rfc822 part) starting at `start`. */
  message(start: number, depth: number): ParsedMessage & { readonly end: Delimiter | null } {
    const { value, end } = this.entity(start, DEFAULT_TYPE, depth, true);
    return { envelope: value.envelope!, structure: value.part, end };
  }

  /**
   * One entity; for a message (`ofMessage`) its envelope too, read before its parts so that an
   * outer envelope comes first on the address budget.
   */
  private entity(start: number, defaultType: ContentType, depth: number, ofMessage = false): Parsed<{ part: MimePart; envelope: Envelope | null }> {
    this.parts++;
    const header = parseHeaderBlock(this.raw, start, this.raw.length, ofMessage ? MESSAGE_FIELDS : PART_FIELDS, (pos) => this.boundaries.at(pos));
    const { fields } = header;
    const envelope = ofMessage ? envelopeFromFields(fields, this.addresses) : null;
    let bodyStart = header.bodyStart;
    let end: Delimiter | null = header.stop;
    let contentType = parseContentType(fields.get('content-type')) ?? defaultType;
    const withinLimits = depth < MAX_DEPTH && this.parts < MAX_PARTS;
    const isMultipart = contentType.type === 'multipart';
    const isMessage = contentType.type === 'message' && contentType.subtype === 'rfc822';
    if ((isMultipart || isMessage) && !withinLimits) contentType = { ...contentType, type: 'application', subtype: 'octet-stream' };

    // A multipart's boundary is open from the end of its header: the line right after the empty
    // line may be its first delimiter, even when an enclosing boundary is a prefix of it.
    const boundary = isMultipart && withinLimits && !end ? contentType.params['boundary'] : undefined;
    const level = boundary ? this.boundaries.push(boundary) : null;
    const first = end ? null : this.boundaries.at(bodyStart);
    if (first && first.level !== level) {
      // An enclosing delimiter right after the empty line: that line break is the delimiter's
      // (RFC 2046 §5.1.1), so the header has no empty line and the body is empty.
      end = first;
      bodyStart = lineContentEnd(this.raw, start, first.lineStart);
    }

    let children: MimePart[] | undefined;
    let message: ParsedMessage | undefined;
    let delimited = end !== null;
    if (level !== null) {
      if (end) this.boundaries.pop();
      else {
        ({ value: children, end } = this.multipartBody(bodyStart, level, contentType.subtype === 'digest' ? DIGEST_DEFAULT_TYPE : DEFAULT_TYPE, depth));
        delimited = true;
      }
    } else if (isMessage && withinLimits) {
      if (end) message = this.emptyMessage(bodyStart);
      else {
        ({ end, ...message } = this.message(bodyStart, depth + 1));
        delimited = true;
      }
    }
    if (!delimited) end = this.boundaries.find(bodyStart);
    if (isMultipart && withinLimits && !children?.length) {
      children = undefined;
      contentType = { type: 'text', subtype: 'plain', params: { charset: 'us-ascii', ...contentType.params } };
    }

    // The line break before the ending delimiter is the delimiter's (RFC 2046 §5.1.1).
    const bodyEnd = end ? Math.max(bodyStart, end.breakStart) : this.raw.length;
    const disposition = fields.get('content-disposition');
    const parsedDisposition = disposition === undefined ? null : parseParameterizedValue(disposition);
    const part: MimePart = {
      type: contentType.type,
      subtype: contentType.subtype,
      params: contentType.params,
      id: nonEmpty(fields.get('content-id')),
      description: nonEmpty(fields.get('content-description')),
      encoding: transferEncoding(fields.get('content-transfer-encoding')),
      md5: nonEmpty(fields.get('content-md5')),
      disposition: parsedDisposition?.value ? { type: parsedDisposition.value.toLowerCase(), params: parsedDisposition.params } : null,
      language: languageList(fields.get('content-language')),
      location: nonEmpty(fields.get('content-location')),
      headerStart: start,
      bodyStart,
      bodyEnd,
      size: bodyEnd - bodyStart,
      lines: contentType.type === 'text' || message ? this.lines.lines(bodyStart, bodyEnd) : 0,
      ...(children ? { children } : {}),
      ...(message ? { message } : {}),
    };
    return { value: { part, envelope }, end };
  }

  /**
   * RFC 2046 §5.1.1: the body parts between the delimiters of this multipart's boundary. The
   * preamble before the first delimiter and the epilogue after the close delimiter are not parts;
   * without a close delimiter the last part runs to the delimiter of an enclosing multipart or
   * the end of the message. The boundary is open (at `level`) on entry and closed on return.
   */
  private multipartBody(bodyStart: number, level: number, childType: ContentType, depth: number): Parsed<MimePart[]> {
    const children: MimePart[] = [];
    let d = this.boundaries.find(bodyStart);
    while (d && d.level === level && !d.close && this.parts < MAX_PARTS) {
      const child = this.entity(d.next, childType, depth + 1);
      children.push(child.value.part);
      d = child.end;
    }
    this.boundaries.pop();
    // After our close delimiter (or the last part we count): the epilogue, up to an enclosing delimiter.
    if (d && d.level === level) d = this.boundaries.find(d.next);
    return { value: children, end: d };
  }

  /** A message/rfc822 part whose body is empty: an enclosed message with no header and no body. */
  private emptyMessage(at: number): ParsedMessage {
    this.parts++;
    const structure: MimePart = {
      ...DEFAULT_TYPE,
      id: null,
      description: null,
      encoding: '7BIT',
      md5: null,
      disposition: null,
      language: null,
      location: null,
      headerStart: at,
      bodyStart: at,
      bodyEnd: at,
      size: 0,
      lines: 0,
    };
    return { envelope: envelopeFromFields(new Map(), this.addresses), structure };
  }
}

function parseContentType(value: string | undefined): ContentType | null {
  if (value === undefined) return null;
  const { value: mediaType, params } = parseParameterizedValue(value);
  const slash = mediaType.indexOf('/');
  const type = trimWsp(mediaType.slice(0, slash)).toLowerCase();
  const subtype = trimWsp(mediaType.slice(slash + 1)).toLowerCase();
  if (slash < 0 || !isToken(type) || !isToken(subtype)) return null;
  // RFC 2045 §5.2 (and RFC 2046 §4.1.2): text without a charset parameter is US-ASCII; say so,
  // as BODYSTRUCTURE from other servers does.
  if (type === 'text' && params['charset'] === undefined) return { type, subtype, params: { ...params, charset: 'us-ascii' } };
  return { type, subtype, params };
}

/** RFC 2045 §5.1 token: no spaces, controls or tspecials. */
function isToken(text: string): boolean {
  return /^[^\x00-\x20\x7f()<>@,;:\\"/[\]?=]+$/.test(text);
}

/** RFC 2045 §6.1: the mechanism as written (comments dropped); absent means 7BIT. */
function transferEncoding(value: string | undefined): string {
  const mechanism = /^[^\s(;]+/.exec(value ?? '');
  return mechanism ? mechanism[0] : '7BIT';
}

/** RFC 3282 Content-Language: a comma-separated list of tags. */
function languageList(value: string | undefined): string[] | null {
  if (value === undefined) return null;
  const tags = value
    .replace(/\([^()]*\)/g, '')
    .split(',')
    .map(trimWsp)
    .filter((tag) => tag !== '');
  return tags.length > 0 ? tags : null;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}
