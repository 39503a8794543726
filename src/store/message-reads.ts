/**
 * The reads IMAP commands make of a mailbox's messages (rows, stored meta, bytes, the search
 * index), on one connection. The store's own connection reads through it, and so does the
 * read-only connection a search worker thread opens (search-reader.ts): one implementation of each
 * read, whichever thread runs it.
 */
import type { SqliteBlobStore } from './blobs.js';
import { analyzeMessage } from '../mime/index.js';
import { FlagListCache } from './flags.js';
import { FullTextIndex } from './fts.js';
import type { StoreStatements, MessageRecord } from './statements.js';
import type { BlobId, MailboxId, MessageListOptions, MessageMeta, MessageRow, ModSeq, TextField, Uid } from './types.js';

/** Bodies of a mailbox looked up in the search index per call, between which the event loop runs. */
const SEARCH_SLICE = 2000;

/** UIDs as one bound parameter (`IN (SELECT value FROM json_each(?))`): any count, one prepared statement. */
export const uidList = (uids: readonly Uid[]): string => JSON.stringify(uids);

export class MessageReads {
  private readonly flagLists = new FlagListCache();

  constructor(
    private readonly sql: StoreStatements,
    private readonly blobs: SqliteBlobStore,
    private readonly fts: FullTextIndex,
  ) {}

  listMessages(mailbox: MailboxId, options: MessageListOptions = {}): MessageRow[] {
    const rows =
      'afterUid' in options
        ? this.sql.listMessagePage.all(mailbox, options.afterUid, options.limit)
        : options.changedSince === undefined
          ? this.sql.listMessages.all(mailbox)
          : this.sql.listChangedMessages.all(mailbox, options.changedSince);
    const flagLists = this.flagLists;
    return rows.map(([uid, modSeq, system, keywords, internalDate, size, sha256]) => ({
      uid: uid as Uid,
      modSeq: modSeq as ModSeq,
      flags: flagLists.get(system, keywords),
      internalDate: new Date(internalDate),
      size,
      blobId: sha256 as BlobId,
    }));
  }

  getMessages(mailbox: MailboxId, uids: readonly Uid[]): MessageRow[] {
    if (uids.length === 0) return [];
    return this.sql.messagesByUid.all(mailbox, uidList(uids)).map((row) => this.messageRow(row));
  }

  getMessageMeta(mailbox: MailboxId, uids: readonly Uid[]): MessageMeta[] {
    return this.sql.messageMeta.all(mailbox, uidList(uids)).map((row) => ({
      uid: row.uid as Uid,
      envelope: JSON.parse(row.envelope) as MessageMeta['envelope'],
      structure: JSON.parse(row.structure) as MessageMeta['structure'],
      headerSize: row.header_size,
    }));
  }

  readBlob(blob: BlobId, start?: number, end?: number): Buffer {
    return this.blobs.read(blob, start, end);
  }

  /**
   * The index is asked first and only its hits are mapped to UIDs, so a search reads neither the
   * mailbox's rows nor, for a rare string, more than a few of them. The mailbox's bodies span
   * [first, last] of the index's rowids; that span is looked up in windows of about SEARCH_SLICE
   * bodies each, between which the event loop runs.
   */
  async searchText(mailbox: MailboxId, field: TextField, query: string): Promise<Set<Uid>> {
    this.fts.indexPending();
    // RFC 3501 §6.4.4: every text contains the empty string.
    if (query === '') return new Set(this.sql.uidsOfMailbox.all(mailbox) as Uid[]);
    const { first, last, count } = this.sql.blobRange.get(mailbox)!;
    if (first === null || last === null) return new Set();
    const found: number[] = [];
    // FullTextIndex's invariants: a body without its index row yet is tested as the index would,
    // on the text still waiting here, else (another connection's new body) on its bytes analysed again.
    const { highest, pending } = this.fts.unindexedBounds();
    const unindexed = new Map<number, number[]>();
    for (const { blob, uid } of this.sql.messagesOfBlobsAbove.all(mailbox, highest, JSON.stringify(pending))) {
      const uids = unindexed.get(blob);
      if (uids) uids.push(uid);
      else unindexed.set(blob, [uid]);
    }
    for (const [blob, uids] of unindexed) {
      const text = this.fts.waitingText(blob) ?? analyzeMessage(this.blobs.readRow(blob)).searchText;
      if (FullTextIndex.textMatches(text, field, query)) found.push(...uids);
    }
    const windows = Math.ceil(count / SEARCH_SLICE);
    const width = Math.ceil((last - first + 1) / windows);
    // docs/architecture.md invariant 2: a bounded slice of the index per turn of the event loop.
    for (let start = first; start <= last; start += width) {
      if (start > first) await new Promise<void>((resolve) => setImmediate(resolve));
      const blobs = this.fts.matching(field, query, start, Math.min(last, start + width - 1));
      if (blobs.length > 0) found.push(...this.sql.uidsOfBlobs.all(mailbox, JSON.stringify(blobs)));
    }
    return new Set((found as Uid[]).sort((a, b) => a - b));
  }

  messageRow(row: MessageRecord): MessageRow {
    return toMessageRow(this.flagLists, row);
  }
}

/** A stored message row (either backend's columns, the body's digest as `sha256`) as the store's MessageRow. */
export function toMessageRow(flagLists: FlagListCache, row: Pick<MessageRecord, 'uid' | 'modseq' | 'system' | 'keywords' | 'internal_date' | 'size' | 'sha256'>): MessageRow {
  return {
    uid: row.uid as Uid,
    modSeq: row.modseq as ModSeq,
    flags: flagLists.get(row.system, row.keywords),
    internalDate: new Date(row.internal_date),
    size: row.size,
    blobId: row.sha256 as BlobId,
  };
}
