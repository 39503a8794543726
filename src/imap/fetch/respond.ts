/**
 * Writes the `* n FETCH (…)` responses of one FETCH / UID FETCH (RFC 3501 §6.4.5, §7.4.2).
 *
 * - Everything comes from the rows the store lists and the meta it stored at delivery; no message
 *   is parsed here. Bodies are read from the blob by the offsets of that meta.
 * - Messages go in batches: one meta query per batch, one socket write per batch of small
 *   responses (or per WRITE_AT bytes), and a turn of the event loop between batches, so a FETCH of
 *   10,000 messages does not hold up other connections. A body above STREAM_FROM is written in
 *   blob-sized pieces, waiting for the socket to drain between them.
 * - RFC 3501 §6.4.5: BODY[…] (not PEEK), RFC822 and RFC822.TEXT set \Seen where the session
 *   may; the new flags go out in the same FETCH response (with MODSEQ once CONDSTORE is on).
 */
import type { MailStore } from '../../store/api.js';
import type { BlobId, MailboxId, MessageMeta, MessageRow, ModSeq, Uid } from '../../store/types.js';
import { atom, encodeValue, literal, type ImapValue, type ResponseWriter } from '../responses.js';
import type { SelectedMailbox } from '../selected.js';
import { bodyStructureValue } from './bodystructure.js';
import { formatInternalDate } from './date-time.js';
import { envelopeValue } from './envelope.js';
import type { FetchItem, FetchRequest } from './items.js';
import { applyPartial, filterHeaderFields, formatSection, locateSection } from './section.js';

/** Messages per meta query and per turn of the event loop. */
const BATCH = 100;
/** Bodies at least this long are streamed in pieces instead of built into the response buffer. */
const STREAM_FROM = 256 * 1024;
/** Piece size when streaming (the store keeps bodies in chunks of this size). */
const PIECE = 256 * 1024;
/** Encoded responses are written once this much has gathered, or at the end of a batch. */
const WRITE_AT = 1024 * 1024;

export interface FetchTarget {
  readonly store: MailStore;
  readonly selected: SelectedMailbox;
  readonly out: ResponseWriter;
  /** RFC 7162: MODSEQ goes with flags that change as a side effect once CONDSTORE is enabled. */
  readonly condstore: boolean;
  /** Whether fetching a body sets \Seen: a read-write mailbox and the RFC 4314 `s` right. */
  readonly markSeen: boolean;
  /** UID FETCH: the UID is in every response (RFC 3501 §6.4.8). */
  readonly uidCommand: boolean;
  /** Ends the connection: a body that cannot be read after its literal length was sent leaves no other way to stay in sync. */
  readonly abort: () => void;
}

export interface FetchOutcome {
  /** Messages in the session's map that the store no longer has (expunged by another session). */
  readonly missing: number;
}

/** A body range written after its literal length, read from the blob piece by piece. */
class BlobRange {
  constructor(
    readonly blob: BlobId,
    readonly start: number,
    readonly end: number,
  ) {}
}

type ItemValue = ImapValue | BlobRange;

const NEEDS_NO_META: ReadonlySet<FetchItem['kind']> = new Set(['UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'MODSEQ', 'RFC822']);

function needsMeta(item: FetchItem): boolean {
  if (item.kind === 'BODY[]') return item.section.part.length > 0 || item.section.text !== null;
  return !NEEDS_NO_META.has(item.kind);
}

function setsSeen(item: FetchItem): boolean {
  return item.kind === 'RFC822' || item.kind === 'RFC822.TEXT' || (item.kind === 'BODY[]' && !item.peek);
}

const SEEN = '\\Seen';
const hasSeen = (row: MessageRow): boolean => row.flags.some((f) => f.toLowerCase() === '\\seen');

/** Writes the responses for the messages at `seqs` (ascending sequence numbers). */
export async function writeFetchResponses(target: FetchTarget, seqs: readonly number[], request: FetchRequest): Promise<FetchOutcome> {
  const { store, selected } = target;
  const mailbox = selected.info.id;
  // RFC 7162 §3.1.4: with CHANGEDSINCE only rows above it, so the store lists only those.
  const listed = store.listMessages(mailbox, request.changedSince === null ? {} : { changedSince: request.changedSince as ModSeq });
  const rows = new Map<Uid, MessageRow>(listed.map((row) => [row.uid, row]));
  const withMeta = request.items.some(needsMeta);
  const markSeen = target.markSeen && request.items.some(setsSeen);
  let missing = 0;

  for (let first = 0; first < seqs.length; first += BATCH) {
    if (first > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const batch: Array<{ seq: number; row: MessageRow }> = [];
    for (const seq of seqs.slice(first, first + BATCH)) {
      const row = rows.get(selected.uidAt(seq)!);
      if (row) batch.push({ seq, row });
      else if (request.changedSince === null) missing++;
    }
    if (batch.length === 0) continue;

    const seenNow = markSeen ? setSeen(store, mailbox, batch) : new Set<Uid>();
    const metas = withMeta ? new Map(store.getMessageMeta(mailbox, batch.map((m) => m.row.uid)).map((m) => [m.uid, m])) : null;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (pending.length > 0) target.out.write(Buffer.concat(pending));
      pending = [];
      pendingBytes = 0;
      await target.out.drained();
    };
    for (const { seq, row } of batch) {
      const meta = metas?.get(row.uid) ?? null;
      if (metas && !meta) {
        // Expunged between the two reads: like a message the store no longer has.
        missing++;
        continue;
      }
      const items = messageItems(target, request, row, meta, seenNow.has(row.uid));
      if (items.some((v) => v instanceof BlobRange)) {
        await flush();
        await writeStreamed(target, seq, items);
        continue;
      }
      const response = encodeResponse(seq, items as ImapValue[]);
      pending.push(response);
      pendingBytes += response.length;
      if (pendingBytes >= WRITE_AT) await flush();
    }
    await flush();
    if (seenNow.size > 0) selected.markFlagsReported(seenNow);
  }
  return { missing };
}

/** Adds \Seen where it is missing and updates `batch` with the new rows; returns the UIDs changed. */
function setSeen(store: MailStore, mailbox: MailboxId, batch: Array<{ seq: number; row: MessageRow }>): Set<Uid> {
  const unseen = batch.filter((m) => !hasSeen(m.row)).map((m) => m.row.uid);
  if (unseen.length === 0) return new Set();
  const updated = new Map(store.storeFlags(mailbox, unseen, 'add', [SEEN]).updated.map((row) => [row.uid, row]));
  for (const m of batch) m.row = updated.get(m.row.uid) ?? m.row;
  return new Set(updated.keys());
}

function messageItems(target: FetchTarget, request: FetchRequest, row: MessageRow, meta: MessageMeta | null, seenNow: boolean): ItemValue[] {
  const out: ItemValue[] = [];
  const kinds = new Set(request.items.map((i) => i.kind));
  if (target.uidCommand && !kinds.has('UID')) out.push(atom('UID'), row.uid);
  for (const item of request.items) out.push(...itemValue(target, item, row, meta));
  // RFC 3501 §6.4.5: flags changed by the implicit \Seen are reported in the same response.
  if (seenNow && !kinds.has('FLAGS')) out.push(atom('FLAGS'), target.selected.flagsFor(row.uid, row.flags));
  // RFC 7162 §3.1.4.1: CHANGEDSINCE implies MODSEQ; §3.2: so does a flag change once CONDSTORE is on.
  if (!kinds.has('MODSEQ') && (request.changedSince !== null || (seenNow && target.condstore))) out.push(atom('MODSEQ'), [row.modSeq]);
  return out;
}

function itemValue(target: FetchTarget, item: FetchItem, row: MessageRow, meta: MessageMeta | null): ItemValue[] {
  switch (item.kind) {
    case 'UID':
      return [atom('UID'), row.uid];
    case 'FLAGS':
      return [atom('FLAGS'), target.selected.flagsFor(row.uid, row.flags)];
    case 'INTERNALDATE':
      return [atom('INTERNALDATE'), formatInternalDate(row.internalDate)];
    case 'RFC822.SIZE':
      return [atom('RFC822.SIZE'), row.size];
    case 'MODSEQ':
      return [atom('MODSEQ'), [row.modSeq]];
    case 'ENVELOPE':
      return [atom('ENVELOPE'), envelopeValue(meta!.envelope)];
    case 'BODYSTRUCTURE':
      return [atom('BODYSTRUCTURE'), bodyStructureValue(meta!.structure, true)];
    case 'BODY':
      return [atom('BODY'), bodyStructureValue(meta!.structure, false)];
    // RFC 3501 §6.4.5: RFC822 is BODY[], RFC822.HEADER is BODY.PEEK[HEADER], RFC822.TEXT is BODY[TEXT].
    case 'RFC822':
      return [atom('RFC822'), bodyData(target, row.blobId, 0, row.size)];
    case 'RFC822.HEADER':
      return [atom('RFC822.HEADER'), bodyData(target, row.blobId, 0, meta!.headerSize)];
    case 'RFC822.TEXT':
      return [atom('RFC822.TEXT'), bodyData(target, row.blobId, meta!.headerSize, row.size)];
    case 'BODY[]':
      return sectionItem(target, item, row, meta);
  }
}

function sectionItem(target: FetchTarget, item: Extract<FetchItem, { kind: 'BODY[]' }>, row: MessageRow, meta: MessageMeta | null): ItemValue[] {
  // RFC 3501 §7.4.2: the response names the section as asked and gives the origin of a partial.
  const name = atom(`BODY[${formatSection(item.section)}]${item.partial ? `<${item.partial.origin}>` : ''}`);
  const range = meta ? locateSection(item.section, meta.structure, meta.headerSize, row.size) : { start: 0, end: row.size };
  if (!range) return [name, null];
  if (range.fields) {
    const header = filterHeaderFields(target.store.readBlob(row.blobId, range.start, range.end), range.fields.names, range.fields.not);
    const [from, to] = applyPartial(0, header.length, item.partial);
    return [name, literal(header.subarray(from, to))];
  }
  const [from, to] = applyPartial(range.start, range.end, item.partial);
  return [name, bodyData(target, row.blobId, from, to)];
}

function bodyData(target: FetchTarget, blob: BlobId, start: number, end: number): ItemValue {
  if (end - start >= STREAM_FROM) return new BlobRange(blob, start, end);
  return literal(target.store.readBlob(blob, start, end));
}

const OPEN = Buffer.from(' FETCH (');
const CLOSE = Buffer.from(')\r\n');
const SPACE = Buffer.from(' ');

/** `* seq FETCH (name value …)\r\n`. */
function encodeResponse(seq: number, items: readonly ImapValue[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`* ${seq}`), OPEN];
  items.forEach((item, i) => {
    if (i > 0) parts.push(SPACE);
    parts.push(encodeValue(item));
  });
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

/** Like encodeResponse, with each BlobRange sent as a literal read piece by piece from the blob. */
async function writeStreamed(target: FetchTarget, seq: number, items: readonly ItemValue[]): Promise<void> {
  let parts: Buffer[] = [Buffer.from(`* ${seq}`), OPEN];
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (i > 0) parts.push(SPACE);
    if (!(item instanceof BlobRange)) {
      parts.push(encodeValue(item));
      continue;
    }
    parts.push(Buffer.from(`{${item.end - item.start}}\r\n`));
    target.out.write(Buffer.concat(parts));
    parts = [];
    for (let at = item.start; at < item.end; at += PIECE) {
      let piece: Buffer;
      try {
        piece = target.store.readBlob(item.blob, at, Math.min(at + PIECE, item.end));
      } catch (err) {
        target.abort();
        throw err;
      }
      target.out.write(piece);
      await target.out.drained();
    }
  }
  parts.push(CLOSE);
  target.out.write(Buffer.concat(parts));
}
