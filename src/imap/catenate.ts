/**
 * RFC 4469 CATENATE: an APPEND message built from TEXT literals and RFC 5092 URL parts naming
 * messages (or their sections) the session may read. In two steps, so that nothing is read before
 * the whole message is known to be allowed and to fit:
 *   1. planCatenation resolves every URL to a byte range of a stored message, answering
 *      `NO [BADURL url]` (RFC 4469 §5) for one that does not parse, names another server or user,
 *      a mailbox the session may not read (RFC 4314 `r`), a stale UIDVALIDITY, a missing message or
 *      section; the size is then known without reading anything;
 *   2. buildCatenation reads the pieces into one buffer (the caller has reserved its octets).
 * Sections are read from the MIME offsets stored at delivery, as FETCH BODY[…] does.
 */
import { asUid, canonicalMailboxName, type BlobId } from '../store/index.js';
import { ImapError, refuse } from './errors.js';
import { parseSection } from './fetch/items.js';
import { applyPartial, filterHeaderFields, locateSection } from './fetch/section.js';
import { parseImapUrl, type ImapUrl } from './imap-url.js';
import { findMailbox, hasRight } from './mailboxes.js';
import { ArgReader, type AppendData } from './parser.js';
import type { Session } from './session.js';

export type CatenatePart = { readonly kind: 'text'; readonly data: AppendData } | { readonly kind: 'url'; readonly url: string };

type Piece = { readonly data: AppendData } | { readonly blob: BlobId; readonly start: number; readonly end: number } | { readonly bytes: Buffer };

export interface CatenationPlan {
  readonly size: number;
  readonly pieces: readonly Piece[];
}

export async function planCatenation(session: Session, parts: readonly CatenatePart[]): Promise<CatenationPlan> {
  const pieces: Piece[] = [];
  for (const part of parts) pieces.push(part.kind === 'text' ? { data: part.data } : await urlPiece(session, part.url));
  const size = pieces.reduce((sum, piece) => sum + ('data' in piece ? piece.data.size : 'bytes' in piece ? piece.bytes.length : piece.end - piece.start), 0);
  return { size, pieces };
}

export async function buildCatenation(session: Session, plan: CatenationPlan): Promise<Buffer> {
  const out = Buffer.alloc(plan.size);
  let at = 0;
  for (const piece of plan.pieces) {
    let bytes: Buffer;
    if ('bytes' in piece) bytes = piece.bytes;
    else if ('blob' in piece) bytes = await session.ctx.store.readBlob(piece.blob, piece.start, piece.end);
    else if (piece.data.file) {
      bytes = Buffer.alloc(piece.data.size);
      await piece.data.file.readInto(bytes);
    } else bytes = piece.data.bytes;
    bytes.copy(out, at);
    at += bytes.length;
  }
  return out;
}

async function urlPiece(session: Session, text: string): Promise<Piece> {
  // RFC 4469 §5 url-resp-text: no "]" and no line ends inside the response code.
  const badUrl = (why: string): ImapError => refuse(`BADURL ${text.replace(/[\]\r\n\0]/g, '')}`, why);
  const url = parseImapUrl(text);
  if (!url) throw badUrl('Not an IMAP URL naming a message');
  if (url.server && !namesThisSession(session, url.server)) throw badUrl('The URL names another server or user');
  const mailbox = await findMailbox(session, canonicalMailboxName(url.mailbox));
  if (!mailbox || !hasRight(session, 'r', mailbox)) throw badUrl('No such mailbox');
  if (url.uidValidity !== null && url.uidValidity !== mailbox.uidValidity) throw badUrl('The mailbox has another UIDVALIDITY');
  const store = session.ctx.store;
  const [row] = await store.getMessages(mailbox.id, [asUid(url.uid)]);
  const [meta] = await store.getMessageMeta(mailbox.id, [asUid(url.uid)]);
  if (!row || !meta) throw badUrl('No such message');
  const range = locateSection(sectionOf(url, badUrl), meta.structure, meta.headerSize, row.size);
  if (!range) throw badUrl('No such section');
  if (range.fields) {
    const header = filterHeaderFields(await store.readBlob(row.blobId, range.start, range.end), range.fields.names, range.fields.not);
    const [from, to] = applyPartial(0, header.length, url.partial);
    return { bytes: header.subarray(from, to) };
  }
  const [start, end] = applyPartial(range.start, range.end, url.partial);
  return { blob: row.blobId, start, end };
}

function sectionOf(url: ImapUrl, badUrl: (why: string) => ImapError): ReturnType<typeof parseSection> {
  if (url.section === null) return { part: [], text: null };
  const reader = new ArgReader(Buffer.from(`[${url.section}]`, 'utf8'), { utf8: true });
  try {
    const section = parseSection(reader);
    reader.end();
    return section;
  } catch (err) {
    if (err instanceof ImapError) throw badUrl('Not a section');
    throw err;
  }
}

/** An absolute URL is ours when it names our host and, if it names a user, the one logged in. */
function namesThisSession(session: Session, server: NonNullable<ImapUrl['server']>): boolean {
  if (server.host !== session.ctx.config.server.hostname) return false;
  if (server.user === null) return true;
  const person = session.identity?.person ?? '';
  const user = server.user.toLowerCase();
  return user === person || user === person.split('@')[0];
}
