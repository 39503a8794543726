/**
 * Where a SEARCH, SORT or THREAD runs (docs/architecture.md invariant 2). A mailbox of at most
 * `[imap] search_worker_above` messages is searched on the event loop, with the session's store:
 * bounded work, answered without a thread hop. A larger one goes to a search worker thread
 * (worker.ts) with its own read-only connection, so that no other client waits for it:
 *   - at most SEARCH_THREADS + 1 run at once (the pool's spare takes one), at most SEARCH_QUEUE
 *     wait; past that the command is answered `NO [LIMIT]` at once;
 *   - each has `[imap] search_budget` of CPU time on its thread; past it the thread is stopped
 *     (whatever query it was in), replaced, and the command answered `NO [LIMIT]` (RFC 5530 §3).
 * The pool starts with the first large search, not with the server: most sessions never need it.
 */
import type { Logger } from 'pino';
import type { AppContext } from '../../context.js';
import type { AccountId, MailStore } from '../../store/index.js';
import type { SelectedMailbox } from '../selected.js';
import { privateReaderOf } from '../seen-view.js';
import { defineTask, WorkBudgetExceeded, WorkerPool, WorkQueueFull } from '../../workers/index.js';
import { ImapError } from '../errors.js';
import type { MessageSource } from './evaluate.js';
import { executeSearch, type ResultOrder, type SearchOutcome, type SearchRequest } from './execute.js';
import type { SearchKey } from './query.js';
import type { SearchJob } from './worker.js';

const SEARCH_TASK = defineTask<SearchJob, SearchOutcome>(new URL('./worker.ts', import.meta.url), 'runSearchJob');
/** Worker threads for large searches (plus the pool's spare): the machine's other core stays with the event loop. */
const SEARCH_THREADS = 1;
/** Searches that may wait for a thread; past that, NO [LIMIT]. */
const SEARCH_QUEUE = 32;

export class SearchRunner {
  private pool: WorkerPool | null = null;

  constructor(private readonly ctx: Pick<AppContext, 'config' | 'logger' | 'resolver'>) {}

  /** `source`: the session's store; `reader`: whose private \Seen the session sees in the mailbox (seen-view.ts). */
  async run(source: MessageSource, request: SearchRequest, reader: AccountId | null): Promise<SearchOutcome> {
    // The workers read the SQLite file; on PostgreSQL the store's queries already run off the event loop.
    if (request.uids.length <= this.ctx.config.imap.search_worker_above || this.ctx.config.store.backend === 'postgres') return executeSearch(source, request);
    const job: SearchJob = { ...request, uids: Uint32Array.from(request.uids), database: this.ctx.config.paths.database, reader };
    try {
      return await this.workers().run(SEARCH_TASK, job, `search of mailbox ${request.mailbox}`, 0);
    } catch (error) {
      if (error instanceof WorkBudgetExceeded) throw new ImapError('NO', 'LIMIT', 'search took longer than the server allows; narrow it down');
      if (error instanceof WorkQueueFull) throw new ImapError('NO', 'LIMIT', 'too many searches at once; try again shortly');
      throw error;
    }
  }

  /** A search of the selected mailbox as the session sees it: its numbering, its \Recent, its reader's \Seen. */
  async searchSelected(store: MailStore, selected: SelectedMailbox, key: SearchKey, order: ResultOrder): Promise<SearchOutcome> {
    const request = { mailbox: selected.info.id, uids: selected.uids, recent: selected.recentUids(), key, order };
    return this.run(store, request, await privateReaderOf(store, selected.info.id));
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = null;
  }

  private workers(): WorkerPool {
    this.pool ??= new WorkerPool({
      purpose: 'IMAP search',
      size: SEARCH_THREADS,
      queueLimit: SEARCH_QUEUE,
      budgetMs: this.ctx.config.imap.search_budget,
      resolver: this.ctx.resolver,
      logger: this.ctx.logger as Logger,
      preload: [SEARCH_TASK],
    });
    return this.pool;
  }
}
