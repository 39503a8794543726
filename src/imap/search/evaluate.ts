/**
 * Runs a parsed SEARCH over the session's view of a mailbox. Flags, dates, sizes, UIDs and MODSEQ
 * come from the message rows the store lists; text keys ask the search index once per key
 * (lookUpTextKeys: store.searchText, case-insensitive substrings, RFC 3501 §6.4.4) before any row
 * is read, so that execute.ts reads only the rows such a key can match; only HEADER and SENT*
 * read stored data per message (the header block, the stored envelope), and only when the query
 * has such a key — HEADER only for the messages the index names as candidates.
 */
import { decodeEncodedWords } from '../../text/index.js';
import type { MailStore } from '../../store/index.js';
import type { MailboxId, MessageMeta, MessageRow, Uid } from '../../store/index.js';
import { listHeaderFields } from '../../mime/index.js';
import { foldVietnamese } from '../../text/index.js';
import { sequenceSetContains } from '../sequence-set.js';
import { dayOfDateHeader, localDay, type Day } from '../fetch/date-time.js';
import type { SearchKey } from './query.js';

/** What a search reads: the store on the event loop's connection, or a worker's read-only one (store's SearchReader). */
export type MessageSource = Pick<MailStore, 'listMessages' | 'getMessages' | 'getMessageMeta' | 'readBlob' | 'searchText'>;

export interface SearchScope {
  readonly store: MessageSource;
  readonly mailbox: MailboxId;
  /**
   * The session's messages in sequence order (index seq-1); null for one another session
   * expunged that this session has not been told of yet: it matches nothing (RFC 2180 §4.1.4).
   */
  readonly messages: ReadonlyArray<MessageRow | null>;
  /** UID by sequence number - 1, the session's map (`*` of a UID set is its last entry). */
  readonly uids: ArrayLike<number>;
  /** RFC 3501 §2.3.2 \Recent is per session. */
  readonly isRecent: (uid: Uid) => boolean;
  /** What lookUpTextKeys found for the key's text and HEADER keys. */
  readonly textHits: TextHits;
}

/** Per text key: the matching UIDs; per HEADER key with a string: the candidates (their header text contains it). */
export type TextHits = ReadonlyMap<SearchKey, ReadonlySet<Uid>>;

/** Asks the index for every text and HEADER key of the tree, one after the other (each yields while it works). */
export async function lookUpTextKeys(store: MessageSource, mailbox: MailboxId, key: SearchKey): Promise<TextHits> {
  const hits = new Map<SearchKey, ReadonlySet<Uid>>();
  for (const textKey of textKeysOf(key)) {
    if (textKey.kind === 'text') hits.set(textKey, await store.searchText(mailbox, textKey.field, textKey.value));
    else if (textKey.kind === 'header' && textKey.value !== '') hits.set(textKey, await store.searchText(mailbox, 'header', textKey.value));
  }
  return hits;
}

function textKeysOf(key: SearchKey): SearchKey[] {
  switch (key.kind) {
    case 'text':
    case 'header':
      return [key];
    case 'not':
      return textKeysOf(key.key);
    case 'or':
      return [...textKeysOf(key.left), ...textKeysOf(key.right)];
    case 'and':
      return key.keys.flatMap(textKeysOf);
    default:
      return [];
  }
}

/** Messages examined between two yields to the event loop, so a large search does not hold up other connections. */
const BATCH = 1000;

/** The sequence numbers (ascending) of the messages that match. */
export async function evaluateSearch(key: SearchKey, scope: SearchScope): Promise<number[]> {
  const facts = new MessageFacts(key, scope);
  const matches: number[] = [];
  for (let start = 0; start < scope.messages.length; start += BATCH) {
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const end = Math.min(start + BATCH, scope.messages.length);
    await facts.loadBatch(start, end);
    for (let i = start; i < end; i++) if (scope.messages[i] && facts.matches(key, i)) matches.push(i + 1);
  }
  return matches;
}

/**
 * Per-search lookups, each made at most once: per batch of messages the stored meta (only when a
 * key needs it) and the header blocks of HEADER's candidates, so testing a message is synchronous
 * and a batch costs a few reads of the store, not one per message.
 */
class MessageFacts {
  private readonly needsMeta: boolean;
  private metas = new Map<Uid, MessageMeta>();
  private headerBlocks = new Map<Uid, Buffer>();
  /** The query's HEADER keys: their candidates' header blocks are read per batch. */
  private readonly headerKeys: SearchKey[] = [];
  private readonly seqStar: number;
  private readonly uidStar: number;

  constructor(
    key: SearchKey,
    private readonly scope: SearchScope,
  ) {
    const needs = { meta: false };
    this.collect(key, needs);
    this.needsMeta = needs.meta;
    this.seqStar = scope.messages.length;
    this.uidStar = scope.uids[scope.uids.length - 1] ?? 0;
  }

  async loadBatch(start: number, end: number): Promise<void> {
    if (!this.needsMeta) return;
    const rows = this.scope.messages.slice(start, end).filter((m): m is MessageRow => m !== null);
    this.metas = new Map((await this.scope.store.getMessageMeta(this.scope.mailbox, rows.map((m) => m.uid))).map((m) => [m.uid, m]));
    const headerRows = rows.filter((row) => this.mayMatchHeader(row.uid));
    const blocks = await Promise.all(
      headerRows.map((row) => {
        const meta = this.metas.get(row.uid);
        return meta ? this.scope.store.readBlob(row.blobId, 0, meta.headerSize) : Buffer.alloc(0);
      }),
    );
    this.headerBlocks = new Map(headerRows.map((row, i) => [row.uid, blocks[i]!]));
  }

  /** Whether some HEADER key has this message among its index candidates (an empty string: every message). */
  private mayMatchHeader(uid: Uid): boolean {
    for (const key of this.headerKeys) {
      const hits = this.scope.textHits.get(key);
      if (!hits || hits.has(uid)) return true;
    }
    return false;
  }

  private collect(key: SearchKey, needs: { meta: boolean }): void {
    switch (key.kind) {
      case 'header':
        needs.meta = true;
        this.headerKeys.push(key);
        break;
      case 'date':
        if (key.of === 'sent') needs.meta = true;
        break;
      case 'not':
        this.collect(key.key, needs);
        break;
      case 'or':
        this.collect(key.left, needs);
        this.collect(key.right, needs);
        break;
      case 'and':
        for (const k of key.keys) this.collect(k, needs);
        break;
      default:
        break;
    }
  }

  matches(key: SearchKey, index: number): boolean {
    const row = this.scope.messages[index]!;
    switch (key.kind) {
      case 'all':
        return true;
      case 'flag': {
        const wanted = key.flag.toLowerCase();
        return row.flags.some((f) => f.toLowerCase() === wanted) === key.present;
      }
      case 'recent':
        return this.scope.isRecent(row.uid) === key.present;
      case 'sequence':
        return sequenceSetContains(key.set, index + 1, this.seqStar);
      case 'uid':
        return sequenceSetContains(key.set, row.uid, this.uidStar);
      case 'text':
        return this.scope.textHits.get(key)!.has(row.uid);
      case 'header': {
        const candidates = this.scope.textHits.get(key);
        return (!candidates || candidates.has(row.uid)) && this.headerMatches(row.uid, key.name, key.value);
      }
      case 'date': {
        const day = key.of === 'internal' ? localDay(row.internalDate) : this.sentDay(row);
        return key.compare === 'before' ? day < key.day : key.compare === 'on' ? day === key.day : day >= key.day;
      }
      case 'size':
        return key.compare === 'larger' ? row.size > key.octets : row.size < key.octets;
      case 'modseq':
        return row.modSeq >= key.modSeq;
      case 'not':
        return !this.matches(key.key, index);
      case 'or':
        return this.matches(key.left, index) || this.matches(key.right, index);
      case 'and':
        return key.keys.every((k) => this.matches(k, index));
    }
  }

  /** RFC 5256 §2.2 fallback: a message without a usable Date: header is dated by its internal date. */
  private sentDay(row: MessageRow): Day {
    const date = this.metas.get(row.uid)?.envelope.date;
    return (date ? dayOfDateHeader(date) : null) ?? localDay(row.internalDate);
  }

  /**
   * RFC 3501 §6.4.4 HEADER: a field of that name exists and its text contains the string; an
   * empty string matches any message with the field. Every field of a repeated name is looked at.
   * Encoded-words are decoded and both sides folded, as in the index: case and Vietnamese
   * diacritics do not count.
   */
  private headerMatches(uid: Uid, name: string, value: string): boolean {
    const block = this.headerBlocks.get(uid) ?? Buffer.alloc(0);
    const wanted = name.toLowerCase();
    const folded = foldVietnamese(value);
    return listHeaderFields(block, 0, block.length).some(
      (field) => field.name === wanted && (folded === '' || foldVietnamese(decodeEncodedWords(field.value)).includes(folded)),
    );
  }
}
