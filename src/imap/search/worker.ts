/**
 * The search task run on a search worker thread (src/workers pool owned by search-runner.ts): the
 * same executeSearch as on the event loop, over the thread's own read-only connection to the
 * database (the store's SearchReader, opened on first use and kept for the thread's life).
 */
import { SearchReader, type AccountId, type MailboxId, type ModSeq } from '../../store/index.js';
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
  return executeSearch(job.reader === null ? reader : seenBy(reader, job.mailbox, job.reader), job);
}

function seenBy(reader: SearchReader, mailbox: MailboxId, person: AccountId): MessageSource {
  const seen = reader.privateSeen(mailbox, person);
  return {
    listMessages: (id: MailboxId, options?: { changedSince?: ModSeq }) => rowsSeenBy(reader.listMessages(id, options), seen),
    getMessages: (id, uids) => rowsSeenBy(reader.getMessages(id, uids), seen),
    getMessageMeta: (id, uids) => reader.getMessageMeta(id, uids),
    readBlob: (blob, start, end) => reader.readBlob(blob, start, end),
    searchText: (id, field, query) => reader.searchText(id, field, query),
  };
}
