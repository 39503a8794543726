/**
 * RFC 3516 §4.2 BINARY[section-part]: where a part's content lies and how to undo its
 * content-transfer-encoding. The part offsets come from the MIME tree stored at delivery, like
 * BODY[…] (section.ts); only base64 and quoted-printable need decoding, 7bit/8bit/binary are the
 * content as stored, and any other encoding is `NO [UNKNOWN-CTE]` (RFC 3516 §4.2, RFC 5530 §3).
 */
import type { MimePart } from '../../store/index.js';
import { refuse } from '../errors.js';
import { findPart } from './section.js';

export type Decoding = 'base64' | 'quoted-printable';

/** Bytes [start, end) of the raw message holding the part's content, decoded by `decoding` when set. */
export interface BinaryRange {
  readonly start: number;
  readonly end: number;
  readonly decoding: Decoding | null;
}

/** RFC 2045 §6.1: the encodings under which the stored octets are the content itself. */
const IDENTITY = new Set(['7bit', '8bit', 'binary']);

/**
 * The content of part `path` (the whole message for `[]`, which no CTE applies to); null when the
 * message has no such part.
 */
export function locateBinary(path: readonly number[], root: MimePart | null, messageSize: number): BinaryRange | null {
  if (path.length === 0) return { start: 0, end: messageSize, decoding: null };
  const part = root && findPart(root, path);
  if (!part) return null;
  const encoding = part.encoding.trim().toLowerCase();
  if (IDENTITY.has(encoding)) return { start: part.bodyStart, end: part.bodyEnd, decoding: null };
  if (encoding === 'base64' || encoding === 'quoted-printable') return { start: part.bodyStart, end: part.bodyEnd, decoding: encoding };
  throw refuse('UNKNOWN-CTE', `Part ${path.join('.')} has a content-transfer-encoding the server cannot decode`);
}
