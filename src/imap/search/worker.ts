/**
 * The search task run on a search worker thread (src/workers pool owned by search-runner.ts): the
 * same executeSearch as on the event loop, over the thread's own read-only connection to the
 * database (the store's SearchReader, opened on first use and kept for the thread's life).
 */
import { SearchReader, type AccountId, type MailboxId, type MessageRow, type ModSeq } from '../../store/index.js';
import { rowsSeenBy } from '../seen-rows.js';
import type { MessageSource } from './evaluate.js';
import { executeSearch, type SearchOutcome, type SearchRequest } from './execute.js';

export interface SearchJob extends SearchRequest {
  /** The database file (`config.paths.database`). */
  readonly database: string;
  /** Seen mode 'private': whose \Seen the session sees in this mailbox (seen-view.ts), or null. */
  readonly reader: AccountId | null;
}

const readers = new Map<string, SearchReader>();

export function runSearchJob(job: SearchJob): Promise<SearchOutcome> {
  let reader = readers.get(job.database);
  if (!reader) readers.set(job.database, (reader = new SearchReader(job.database)));
  return executeSearch(sourceOf(reader, job.mailbox, job.reader), job);
}

/** The thread's reader as the store's (asynchronous) reads, with `person`'s own \Seen in seen mode 'private'. */
function sourceOf(reader: SearchReader, mailbox: MailboxId, person: AccountId | null): MessageSource {
  const seen = person === null ? null : reader.privateSeen(mailbox, person);
  const asSeen = (rows: MessageRow[]): MessageRow[] => (seen === null ? rows : rowsSeenBy(rows, seen));
  return {
    listMessages: async (id: MailboxId, options?: { changedSince?: ModSeq }) => asSeen(reader.listMessages(id, options)),
    getMessages: async (id, uids) => asSeen(reader.getMessages(id, uids)),
    getMessageMeta: async (id, uids) => reader.getMessageMeta(id, uids),
    readBlob: async (blob, start, end) => reader.readBlob(blob, start, end),
    searchText: (id, field, query) => reader.searchText(id, field, query),
  };
}
