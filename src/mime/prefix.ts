import { headerSearchText, joinHeaderSearchText } from './search-text.js';
import type { MessageAnalysis, MimePart } from './types.js';

/**
 * The analysis of a message with `prefix`, complete header fields, put on top of it (Mox's
 * MsgPrefix: the fields the server adds are a prefix, the analysed bytes stay as they were).
 * Such fields are neither MIME nor ENVELOPE fields (trace and filter fields: Received,
 * Authentication-Results, X-Spam-*), and each starts a line with its name, so the header reads
 * the same fields and no delimiter line appears: every offset moves by the prefix's length, the
 * top-level header grows by it, the envelope is unchanged, and the prefix's fields join the
 * searchable header text (RFC 3501 §6.4.4 TEXT and HEADER look at every field).
 */
export function withPrefixFields(analysis: MessageAnalysis, prefix: Buffer): MessageAnalysis {
  const bytes = prefix.length;
  if (bytes === 0) return analysis;
  return {
    ...analysis,
    headerSize: analysis.headerSize + bytes,
    structure: { ...shift(analysis.structure, bytes), headerStart: 0 },
    searchText: { ...analysis.searchText, headers: joinHeaderSearchText(headerSearchText(prefix, bytes), analysis.searchText.headers) },
  };
}

function shift(part: MimePart, bytes: number): MimePart {
  return {
    ...part,
    headerStart: part.headerStart + bytes,
    bodyStart: part.bodyStart + bytes,
    bodyEnd: part.bodyEnd + bytes,
    ...(part.children ? { children: part.children.map((child) => shift(child, bytes)) } : {}),
    ...(part.message ? { message: { envelope: part.message.envelope, structure: shift(part.message.structure, bytes) } } : {}),
  };
}
