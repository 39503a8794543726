/**
 * src/mime, the one message model (DESIGN.md "Modules"): one reader of header blocks (RFC 5322
 * §2.2, one set of folding and bare-LF rules), MIME structure, addresses, and the analysis
 * computed once per message and stored beside it (DESIGN.md "Messages"): RFC 3501 §7.4.2 ENVELOPE and BODYSTRUCTURE data with exact byte offsets of every
 * part, and the decoded, folded text for the FTS index. IMAP FETCH formats ENVELOPE,
 * BODYSTRUCTURE and BODY[section] from this alone, never re-parsing the message.
 *
 * Works on the raw bytes (offsets are byte offsets; lines may end in CRLF or bare LF) in one
 * forward pass, so time is linear in the message size however the parts nest; nesting beyond
 * MAX_DEPTH and parts beyond MAX_PARTS are left opaque, and every per-field or per-text amount of
 * work is capped (MAX_ADDRESSES, MAX_BODY_TEXT). Malformed input never throws: it is read the way
 * lenient readers read it, because delivery must not fail on a message's shape.
 */
export { MAX_DEPTH, MAX_PARTS } from './structure.js';
export { MAX_BODY_TEXT } from './search-text.js';
export { MAX_ADDRESSES, MAX_MESSAGE_ADDRESSES, parseAddressList } from './addresses.js';
export { listHeaderFields, parseHeaderBlock, type HeaderBlock } from './header-block.js';
export { withPrefixFields } from './prefix.js';
export { decodeTransferEncoding } from './transfer-encoding.js';
export { decodeCharset } from './charset.js';
export type { Envelope, EnvelopeAddress, MessageAnalysis, MimePart } from './types.js';

export { analyzeMessage } from './analyze.js';
export { parseMessage } from './structure.js';
export { readMessageText, type MessageText } from './message-text.js';
export { ANALYZE_MESSAGE, ANALYZE_MESSAGE_FILE, type AnalysedFile } from './off-thread.js';
export { formatMboxMessage, readMbox, readMboxFile, type MboxEntry, type MboxMessage, type MboxProblem } from './mbox.js';
