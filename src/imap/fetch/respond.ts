/**
 * Writes the `* n FETCH (…)` responses of one FETCH / UID FETCH (RFC 3501 §6.4.5, §7.4.2).
 *
 * - Everything comes from the rows the store lists and the meta it stored at delivery; no message
 *   is parsed here. Bodies are read from the blob by the offsets of that meta. ENVELOPE and
 *   BODYSTRUCTURE come encoded from meta-cache.ts; the stored meta is read only on a miss, or for
 *   the MIME tree (BODY, sections with part numbers).
 * - Messages go in batches: one meta query per batch and a turn of the event loop between batches,
 *   so a FETCH of 10,000 messages does not hold up other connections. Body data is only located
 *   here (BlobRange, HeaderFields) and read while it is written, in bounded pieces with
 *   back-pressure (output.ts); the command stops as soon as the client has gone.
 * - RFC 3501 §6.4.5: BODY[…] (not PEEK), RFC822 and RFC822.TEXT set \Seen where the session
 *   may; the new flags go out in the same FETCH response (with MODSEQ once CONDSTORE is on).
 *   RFC 3516 §4.2: so does BINARY[…] (not PEEK).
 * - RFC 3516 §4.2 BINARY[…] sends the part's content, CTE decoded (binary.ts): a base64 or
 *   quoted-printable part is read and decoded whole (at most the message's size) when it is
 *   written; BINARY.SIZE decodes it to count. RFC 3516 §4.3: the data goes as a literal8 `~{n}`
 *   only when it holds a NUL, else as a literal.
 */
import type { MailStore } from '../../store/index.js';
import { StoreError, type BlobId, type MailboxId, type MessageMeta, type MessageRow, type ModSeq, type Uid } from '../../store/index.js';
import { imapFetchAbandoned } from '../../metrics.js';
import { ImapError } from '../errors.js';
import { atom, type ImapValue, type ResponseWriter } from '../responses.js';
import { rowsOf } from '../message-rows.js';
import type { SelectedMailbox } from '../selected.js';
import { bodyStructureValue } from './bodystructure.js';
import { formatInternalDate } from './date-time.js';
import { EncodedMetaCache, encodedMetaCache, type EncodedMeta } from './meta-cache.js';
import { decodeTransferEncoding } from '../../mime/index.js';
import { locateBinary, type Decoding } from './binary.js';
import type { FetchItem, FetchRequest } from './items.js';
import { ClientGone, FetchOutput } from './output.js';
import { applyPartial, filterHeaderFields, formatSection, locateSection } from './section.js';

/** Messages per meta query and per turn of the event loop. */
const BATCH = 100;

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
  /** The client went away before the responses were all written; the rest was not produced. */
  readonly abandoned: boolean;
}

/** A body range sent as a literal, read from the blob only while it is written. */
class BlobRange {
  constructor(
    readonly blob: BlobId,
    readonly start: number,
    readonly end: number,
    /** RFC 3516 BINARY: may go as a literal8, NUL octets and all. */
    readonly binary = false,
  ) {}
}

/** RFC 3516 §4.2 BINARY[…] of a base64 or quoted-printable part: read and decoded while it is written. */
class DecodedRange {
  constructor(
    readonly blob: BlobId,
    readonly start: number,
    readonly end: number,
    readonly decoding: Decoding,
    readonly partial: { readonly origin: number; readonly count: number } | null,
  ) {}
}

/** RFC 3501 §6.4.5 HEADER.FIELDS(.NOT) of one header block, filtered only while it is written. */
class HeaderFields {
  constructor(
    readonly blob: BlobId,
    readonly start: number,
    readonly end: number,
    readonly fields: { readonly names: readonly string[]; readonly not: boolean },
    readonly partial: { readonly origin: number; readonly count: number } | null,
  ) {}
}

/** RFC 3516 §4.2 BINARY.SIZE of an encoded part: its decoded length, read while the response is written. */
class DecodedSize {
  constructor(
    readonly blob: BlobId,
    readonly start: number,
    readonly end: number,
    readonly decoding: Decoding,
  ) {}
}

type ItemValue = ImapValue | BlobRange | HeaderFields | DecodedRange | DecodedSize;

/** Items answered from the encoded meta cache (ENVELOPE, BODYSTRUCTURE, the header size). */
function needsEncoded(item: FetchItem): boolean {
  if (item.kind === 'BODY[]') return item.section.part.length === 0 && item.section.text !== null;
  return item.kind === 'ENVELOPE' || item.kind === 'BODYSTRUCTURE' || item.kind === 'RFC822.HEADER' || item.kind === 'RFC822.TEXT';
}

/** Items that need the MIME tree itself: BODY, and sections with part numbers. */
function needsStructure(item: FetchItem): boolean {
  if (item.kind === 'BINARY[]' || item.kind === 'BINARY.SIZE') return item.part.length > 0;
  return item.kind === 'BODY' || (item.kind === 'BODY[]' && item.section.part.length > 0);
}

/** What one message's response is built from. */
interface MessageData {
  readonly row: MessageRow;
  readonly encoded: EncodedMeta | null;
  readonly meta: MessageMeta | null;
}

function setsSeen(item: FetchItem): boolean {
  return item.kind === 'RFC822' || item.kind === 'RFC822.TEXT' || ((item.kind === 'BODY[]' || item.kind === 'BINARY[]') && !item.peek);
}

const SEEN = '\\Seen';
const hasSeen = (row: MessageRow): boolean => row.flags.some((f) => f.toLowerCase() === '\\seen');

/** Writes the responses for the messages at `seqs` (ascending sequence numbers). */
export async function writeFetchResponses(target: FetchTarget, seqs: readonly number[], request: FetchRequest): Promise<FetchOutcome> {
  const { store, selected } = target;
  const mailbox = selected.info.id;
  // RFC 7162 §3.1.4: with CHANGEDSINCE only rows above it.
  const uids = seqs.length === selected.exists ? selected.uids : seqs.map((seq) => selected.uidAt(seq)!);
  const rows = await rowsOf(store, mailbox, uids, request.changedSince as ModSeq | null);
  const needs: Needs = {
    encoded: request.items.some(needsEncoded),
    structure: request.items.some(needsStructure),
    seen: target.markSeen && request.items.some(setsSeen),
  };
  let missing = 0;
  const output = new FetchOutput(target.out);
  try {
    for (let first = 0; first < seqs.length; first += BATCH) {
      if (first > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const batch: BatchEntry[] = [];
      for (const seq of seqs.slice(first, first + BATCH)) {
        const row = rows.get(selected.uidAt(seq)!);
        if (row) batch.push({ seq, row });
        // With CHANGEDSINCE an absent row is one that did not change.
        else if (request.changedSince === null) missing++;
      }
      missing += await writeBatch(target, output, request, needs, batch);
    }
  } catch (err) {
    // A refusal part-way (RFC 3516 §4.2 UNKNOWN-CTE) still sends the responses gathered before it.
    if (err instanceof ImapError) await output.flush();
    if (!(err instanceof ClientGone)) throw err;
    imapFetchAbandoned.inc();
    return { missing, abandoned: true };
  }
  return { missing, abandoned: false };
}

interface Needs {
  readonly encoded: boolean;
  readonly structure: boolean;
  readonly seen: boolean;
}

interface BatchEntry {
  readonly seq: number;
  row: MessageRow;
}

/** Writes one batch; returns how many of its messages the store no longer had. */
async function writeBatch(target: FetchTarget, output: FetchOutput, request: FetchRequest, needs: Needs, batch: BatchEntry[]): Promise<number> {
  if (batch.length === 0) return 0;
  const { store, selected } = target;
  const mailbox = selected.info.id;
  const seenNow = needs.seen ? await setSeen(store, mailbox, batch) : new Set<Uid>();
  // The stored meta is read only for what the cache cannot answer.
  const cached = new Map<Uid, EncodedMeta>();
  if (needs.encoded) {
    for (const { row } of batch) {
      const entry = encodedMetaCache.get(row.blobId);
      if (entry) cached.set(row.uid, entry);
    }
    const notInMemory = batch.filter((m) => !cached.has(m.row.uid));
    if (notInMemory.length > 0) {
      const blobOf = new Map(notInMemory.map((m) => [m.row.uid, m.row.blobId]));
      for (const [uid, text] of await store.protocolCache(mailbox, [...blobOf.keys()])) cached.set(uid, encodedMetaCache.restore(blobOf.get(uid)!, text));
    }
  }
  const toRead = batch.filter((m) => needs.structure || (needs.encoded && !cached.has(m.row.uid))).map((m) => m.row.uid);
  const metas = new Map(toRead.length > 0 ? (await store.getMessageMeta(mailbox, toRead)).map((m) => [m.uid, m]) : []);

  let missing = 0;
  const encodedNow: Array<{ blob: BlobId; text: string }> = [];
  for (const { seq, row } of batch) {
    const meta = metas.get(row.uid) ?? null;
    let encoded = cached.get(row.uid) ?? null;
    if (!encoded && needs.encoded && meta) {
      encoded = encodedMetaCache.add(row.blobId, meta);
      encodedNow.push({ blob: row.blobId, text: EncodedMetaCache.serialize(encoded) });
    }
    if ((needs.structure && !meta) || (needs.encoded && !encoded)) {
      // Expunged between the two reads: like a message the store no longer has.
      missing++;
      continue;
    }
    await writeResponse(target, output, seq, messageItems(target, request, { row, encoded, meta }, seenNow.has(row.uid)));
  }
  await output.flush();
  if (seenNow.size > 0) selected.markFlagsReported(seenNow);
  await keepEncodings(store, encodedNow);
  return missing;
}

/**
 * Saves what this batch encoded for the next start-up. Only a cache: when the store cannot take
 * it (disk full, docs/architecture.md invariant 7) the FETCH has been answered all the same and a
 * later one tries again.
 */
async function keepEncodings(store: MailStore, entries: ReadonlyArray<{ blob: BlobId; text: string }>): Promise<void> {
  try {
    await store.saveProtocolCache(entries);
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
  }
}

/** `* seq FETCH (name value …)`, body data read from the store only as it is written. */
async function writeResponse(target: FetchTarget, output: FetchOutput, seq: number, items: readonly ItemValue[]): Promise<void> {
  output.text(`* ${seq} FETCH (`);
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (i > 0) output.text(' ');
    if (item instanceof BlobRange) await output.literal(item.end - item.start, (from, to) => readRange(target, item, from, to), item.binary);
    else if (item instanceof DecodedRange) {
      const content = await decodedContent(target.store, item);
      await output.literal(content.length, (from, to) => content.subarray(from, to), true);
    } else if (item instanceof HeaderFields) await output.computed(() => filteredHeader(target.store, item));
    else if (item instanceof DecodedSize) output.value(decodeTransferEncoding(await target.store.readBlob(item.blob, item.start, item.end), item.decoding).length);
    else output.value(item);
  }
  output.text(')\r\n');
  await output.gathered();
}

/** Octets [from, to) of a range whose literal length may already have been sent. */
async function readRange(target: FetchTarget, range: BlobRange, from: number, to: number): Promise<Buffer> {
  try {
    return await target.store.readBlob(range.blob, range.start + from, range.start + to);
  } catch (err) {
    target.abort();
    throw err;
  }
}

async function filteredHeader(store: MailStore, item: HeaderFields): Promise<Buffer> {
  const header = filterHeaderFields(await store.readBlob(item.blob, item.start, item.end), item.fields.names, item.fields.not);
  const [from, to] = applyPartial(0, header.length, item.partial);
  return header.subarray(from, to);
}

async function decodedContent(store: MailStore, item: DecodedRange): Promise<Buffer> {
  const content = decodeTransferEncoding(await store.readBlob(item.blob, item.start, item.end), item.decoding);
  const [from, to] = applyPartial(0, content.length, item.partial);
  return content.subarray(from, to);
}

/** Adds \Seen where it is missing and updates `batch` with the new rows; returns the UIDs changed. */
async function setSeen(store: MailStore, mailbox: MailboxId, batch: BatchEntry[]): Promise<Set<Uid>> {
  const unseen = batch.filter((m) => !hasSeen(m.row)).map((m) => m.row.uid);
  if (unseen.length === 0) return new Set();
  const updated = new Map((await store.storeFlags(mailbox, unseen, 'add', [SEEN])).updated.map((row) => [row.uid, row]));
  for (const m of batch) m.row = updated.get(m.row.uid) ?? m.row;
  return new Set(updated.keys());
}

function messageItems(target: FetchTarget, request: FetchRequest, data: MessageData, seenNow: boolean): ItemValue[] {
  const { row } = data;
  const out: ItemValue[] = [];
  const kinds = request.kinds;
  if (target.uidCommand && !kinds.has('UID')) out.push(atom('UID'), row.uid);
  for (const item of request.items) out.push(...itemValue(target, item, data));
  // RFC 3501 §6.4.5: flags changed by the implicit \Seen are reported in the same response.
  if (seenNow && !kinds.has('FLAGS')) out.push(atom('FLAGS'), target.selected.flagsFor(row.uid, row.flags));
  // RFC 7162 §3.1.4.1: CHANGEDSINCE implies MODSEQ; §3.1: once CONDSTORE is on, flags go with
  // their mod-sequence (asked for, or changed by the implicit \Seen).
  const flagsSent = kinds.has('FLAGS') || seenNow;
  if (!kinds.has('MODSEQ') && (request.changedSince !== null || (flagsSent && target.condstore))) out.push(atom('MODSEQ'), [row.modSeq]);
  return out;
}

/** `encoded` is there for the items needsEncoded names, `meta` for those needsStructure names. */
function itemValue(target: FetchTarget, item: FetchItem, { row, encoded, meta }: MessageData): ItemValue[] {
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
      return [atom('ENVELOPE'), atom(encoded!.envelope)];
    case 'BODYSTRUCTURE':
      return [atom('BODYSTRUCTURE'), atom(encoded!.bodyStructure)];
    case 'BODY':
      return [atom('BODY'), bodyStructureValue(meta!.structure, false)];
    // RFC 3501 §6.4.5: RFC822 is BODY[], RFC822.HEADER is BODY.PEEK[HEADER], RFC822.TEXT is BODY[TEXT].
    case 'RFC822':
      return [atom('RFC822'), new BlobRange(row.blobId, 0, row.size)];
    case 'RFC822.HEADER':
      return [atom('RFC822.HEADER'), new BlobRange(row.blobId, 0, encoded!.headerSize)];
    case 'RFC822.TEXT':
      return [atom('RFC822.TEXT'), new BlobRange(row.blobId, encoded!.headerSize, row.size)];
    case 'BODY[]':
      return sectionItem(item, row, encoded?.headerSize ?? meta?.headerSize ?? 0, meta);
    case 'BINARY[]':
      return binaryItem(item, row, meta);
    case 'BINARY.SIZE':
      return [atom(`BINARY.SIZE[${item.part.join('.')}]`), binarySize(item.part, row, meta)];
  }
}

function binaryItem(item: Extract<FetchItem, { kind: 'BINARY[]' }>, row: MessageRow, meta: MessageMeta | null): ItemValue[] {
  // RFC 3516 §4.2: the response names the section as asked and gives the origin of a partial.
  const name = atom(`BINARY[${item.part.join('.')}]${item.partial ? `<${item.partial.origin}>` : ''}`);
  const range = locateBinary(item.part, meta?.structure ?? null, row.size);
  if (!range) return [name, null];
  if (range.decoding) return [name, new DecodedRange(row.blobId, range.start, range.end, range.decoding, item.partial)];
  const [from, to] = applyPartial(range.start, range.end, item.partial);
  return [name, new BlobRange(row.blobId, from, to, true)];
}

/** RFC 3516 §4.2 BINARY.SIZE: a part that does not exist has no content, 0 octets. */
function binarySize(part: readonly number[], row: MessageRow, meta: MessageMeta | null): number | DecodedSize {
  const range = locateBinary(part, meta?.structure ?? null, row.size);
  if (!range) return 0;
  if (!range.decoding) return range.end - range.start;
  return new DecodedSize(row.blobId, range.start, range.end, range.decoding);
}

function sectionItem(item: Extract<FetchItem, { kind: 'BODY[]' }>, row: MessageRow, headerSize: number, meta: MessageMeta | null): ItemValue[] {
  // RFC 3501 §7.4.2: the response names the section as asked and gives the origin of a partial.
  const name = atom(`BODY[${formatSection(item.section)}]${item.partial ? `<${item.partial.origin}>` : ''}`);
  const range = locateSection(item.section, meta?.structure ?? null, headerSize, row.size);
  if (!range) return [name, null];
  if (range.fields) return [name, new HeaderFields(row.blobId, range.start, range.end, range.fields, item.partial)];
  const [from, to] = applyPartial(range.start, range.end, item.partial);
  return [name, new BlobRange(row.blobId, from, to)];
}
