/**
 * MIME analysis of a message, computed once at delivery and stored beside it (DESIGN.md
 * "Messages"): RFC 3501 §7.4.2 ENVELOPE and BODYSTRUCTURE data with exact byte offsets of every
 * part, and the decoded, folded text for the FTS index. IMAP FETCH formats ENVELOPE,
 * BODYSTRUCTURE and BODY[section] from this alone, never re-parsing the message.
 *
 * Works on the raw bytes (offsets are byte offsets; lines may end in CRLF or bare LF), in time
 * linear in the message size for any nesting up to MAX_DEPTH; never throws on malformed input.
 */
import type { MessageAnalysis } from '../types.js';
import { buildSearchText } from './search-text.js';
import { parseMessage } from './structure.js';

export { MAX_DEPTH, MAX_PARTS } from './structure.js';
export { MAX_BODY_TEXT } from './search-text.js';

export function analyzeMessage(raw: Buffer): MessageAnalysis {
  const { envelope, structure } = parseMessage(raw);
  return {
    envelope,
    structure,
    headerSize: structure.bodyStart,
    searchText: buildSearchText(raw, envelope, structure),
  };
}
