/**
 * The reads IMAP commands make of a mailbox's messages (rows, stored meta, bytes, the search
 * index), on one connection. The store's own connection reads through it, and so does the
 * read-only connection a search worker thread opens (search-reader.ts): one implementation of each
 * read, whichever thread runs it.
 */
import type { SqliteBlobStore } from './blobs.js';
import { FlagListCache } from './flags.js';
import type { FullTextIndex } from './fts.js';
import type { StoreStatements, MessageRecord } from './statements.js';
import type { BlobId, MailboxId, MessageMeta, MessageRow, ModSeq, TextField, Uid } from './types.js';

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

  listMessages(mailbox: MailboxId, options: { changedSince?: ModSeq } = {}): MessageRow[] {
    const rows =
      options.changedSince === undefined
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

  async searchText(mailbox: MailboxId, field: TextField, query: string): Promise<Set<Uid>> {
    const rows = this.sql.uidsAndBlobs.all(mailbox);
    // RFC 3501 §6.4.4: every text contains the empty string.
    if (query === '') return new Set(rows.map((row) => row.uid as Uid));
    const uidsOfBlob = new Map<number, Uid[]>();
    for (const row of rows) {
      const uids = uidsOfBlob.get(row.blob);
      if (uids) uids.push(row.uid as Uid);
      else uidsOfBlob.set(row.blob, [row.uid as Uid]);
    }
    const blobs = [...uidsOfBlob.keys()].sort((a, b) => a - b);
    const found = new Set<Uid>();
    // docs/architecture.md invariant 2: a bounded slice of the index per turn of the event loop.
    for (let start = 0; start < blobs.length; start += SEARCH_SLICE) {
      if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const slice = blobs.slice(start, start + SEARCH_SLICE);
      for (const blob of this.fts.matching(field, query, slice[0]!, slice.at(-1)!)) {
        for (const uid of uidsOfBlob.get(blob) ?? []) found.add(uid);
      }
    }
    return new Set([...found].sort((a, b) => a - b));
  }

  messageRow(row: MessageRecord): MessageRow {
    return {
      uid: row.uid as Uid,
      modSeq: row.modseq as ModSeq,
      flags: this.flagLists.get(row.system, row.keywords),
      internalDate: new Date(row.internal_date),
      size: row.size,
      blobId: row.sha256 as BlobId,
    };
  }
}
