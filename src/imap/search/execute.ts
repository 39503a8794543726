/**
 * One search from rows to answer, wherever it runs (search-runner.ts decides: on the event loop for
 * a small mailbox, on a search worker thread for a large one): the rows the key can match, the
 * evaluation (evaluate.ts), then the order the command asks for — ascending for SEARCH, the
 * RFC 5256 sort criteria for SORT, threads for THREAD. Input and output are plain data, so they
 * cross a thread boundary by structured clone.
 */
import type { MailboxId, MessageRow, Uid } from '../../store/index.js';
import { rowsOf } from '../message-rows.js';
import { resolveUidSet, seqsOfUids, sequenceSetContains } from '../sequence-set.js';
import { evaluateSearch, lookUpTextKeys, type MessageSource, type TextHits } from './evaluate.js';
import type { SearchKey, SortCriterion, ThreadAlgorithm } from './query.js';
import { mergeSorted, sortMessages } from './sort.js';
import { threadMessages, type ThreadNode } from './thread.js';

export type ResultOrder =
  | { readonly kind: 'ascending' }
  | { readonly kind: 'sort'; readonly criteria: readonly SortCriterion[] }
  /** The matches put into `sorted`, a result already in the criteria's order (a live SORT, live-searches.ts). */
  | { readonly kind: 'sort-into'; readonly criteria: readonly SortCriterion[]; readonly sorted: readonly number[] }
  | { readonly kind: 'thread'; readonly algorithm: ThreadAlgorithm };

export interface SearchRequest {
  readonly mailbox: MailboxId;
  /** The session's seq → UID map (index seq-1). */
  readonly uids: ArrayLike<number>;
  /** The session's \Recent UIDs (RFC 3501 §2.3.2). */
  readonly recent: readonly Uid[];
  readonly key: SearchKey;
  readonly order: ResultOrder;
}

export interface SearchOutcome {
  /** Sequence numbers of the matches: ascending, or in SORT order. */
  readonly seqs: number[];
  /** MODSEQ of each match, aligned with `seqs` (RFC 7162 §3.1.5, RFC 4731 §3.2). */
  readonly modSeqs: number[];
  /** THREAD: the threads, of sequence numbers. */
  readonly threads: ThreadNode[] | null;
}

export async function executeSearch(source: MessageSource, request: SearchRequest): Promise<SearchOutcome> {
  const { mailbox, uids, key } = request;
  // Only the rows the key can match are read (the index answers text keys first); the others stand
  // as null, which matches nothing.
  const textHits = await lookUpTextKeys(source, mailbox, key);
  const candidates = candidateSeqs(key, uids, textHits);
  const rows =
    candidates === null
      ? new Map<Uid, MessageRow>((await source.listMessages(mailbox)).map((row) => [row.uid, row]))
      : await rowsOf(source, mailbox, candidates.map((seq) => uids[seq - 1]!));
  const messages = Array.from(uids, (u) => rows.get(u as Uid) ?? null);
  const recent = new Set(request.recent);
  let seqs = await evaluateSearch(key, { store: source, mailbox, messages, uids, isRecent: (u) => recent.has(u), textHits });
  let threads: ThreadNode[] | null = null;
  if (request.order.kind === 'sort') seqs = await sortMessages(source, mailbox, messages, seqs, request.order.criteria);
  else if (request.order.kind === 'sort-into') {
    seqs = await mergeSorted(source, mailbox, messages, (seq) => uids[seq - 1]! as Uid, request.order.sorted, seqs, request.order.criteria);
  }
  else if (request.order.kind === 'thread') threads = await threadMessages(source, mailbox, messages, seqs, request.order.algorithm);
  // 0 for a message 'sort-into' kept without reading its row: live searches report no MODSEQ.
  return { seqs, modSeqs: seqs.map((seq) => messages[seq - 1]?.modSeq ?? 0), threads };
}

/**
 * The sequence numbers a key can match at most, when it names them at its top level (mbsync's and
 * phones' `UID SEARCH UID 4000:* …`, `SEARCH 1:50 UNSEEN`) or has a text key there whose index hits
 * bound it (a client's `UID SEARCH FROM "…"`); null when it may match any message.
 */
function candidateSeqs(key: SearchKey, uids: ArrayLike<number>, textHits: TextHits): number[] | null {
  switch (key.kind) {
    case 'uid':
      return resolveUidSet(key.set, uids);
    case 'sequence': {
      const seqs: number[] = [];
      for (let seq = 1; seq <= uids.length; seq++) if (sequenceSetContains(key.set, seq, uids.length)) seqs.push(seq);
      return seqs;
    }
    case 'text':
    case 'header': {
      const hits = textHits.get(key);
      return hits ? seqsOfUids(hits, uids) : null;
    }
    case 'or': {
      const left = candidateSeqs(key.left, uids, textHits);
      const right = left && candidateSeqs(key.right, uids, textHits);
      return left && right ? [...new Set([...left, ...right])].sort((a, b) => a - b) : null;
    }
    case 'and':
      return key.keys.reduce<number[] | null>((narrowest, sub) => {
        const seqs = candidateSeqs(sub, uids, textHits);
        return seqs !== null && (narrowest === null || seqs.length < narrowest.length) ? seqs : narrowest;
      }, null);
    default:
      return null;
  }
}
