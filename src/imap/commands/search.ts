import type { ResultOrder, SearchOutcome } from '../search/execute.js';
import type { LiveSearchSpec } from '../search/live-searches.js';
import { parseSearch } from '../search/parse.js';
import { containsKind, usesModSeq, type ReturnOption, type SearchKey } from '../search/query.js';
import { notInImap4rev2 } from '../errors.js';
import { esearchData, reportedMatches } from '../search/results.js';
import type { SelectedMailbox } from '../selected.js';
import type { Session } from '../session.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 3501 §6.4.4 SEARCH and §6.4.8 UID SEARCH; with RETURN (…) the answer is RFC 4731 ESEARCH,
 * and a MODSEQ key adds the highest MODSEQ of the matches (RFC 7162 §3.1.5) — of the MIN or MAX
 * message alone when only those are asked for (RFC 4731 §3.2). RETURN (SAVE) keeps the result for
 * `$` (RFC 5182); RETURN (PARTIAL) answers a window of it and RETURN (UPDATE) keeps it live
 * (RFC 5267 §4.4, §4.3). After ENABLE IMAP4rev2 every answer is ESEARCH (RFC 9051 §7.3.4).
 */
export const search: CommandHandler = async (session, { tag, uid, args }) => {
  const selected = session.requireSelected();
  const query = parseSearch(args);
  const withModSeq = usesModSeq(query.key);
  // RFC 7162 §3.1: SEARCH MODSEQ is CONDSTORE-enabling.
  if (withModSeq) session.enableCondstore();
  const order = { kind: 'ascending' } as const;
  const { seqs, modSeqs } = await runSearch(session, selected, query.key, order, query.returns);
  const results = uid ? seqs.map((seq) => selected.uidAt(seq)!) : seqs;
  const modSeqOf = new Map(seqs.map((seq, i) => [seq, modSeqs[i]!]));
  const reported = query.returns ? reportedMatches(query.returns, seqs) : seqs;
  const highestModSeq = withModSeq && reported.length > 0 ? reported.reduce((max, seq) => Math.max(max, modSeqOf.get(seq)!), 0) : null;
  // RFC 9051 §6.4.4: an IMAP4rev2 session always gets ESEARCH, RETURN () meaning RETURN (ALL).
  if (query.returns || session.imap4rev2) {
    if (query.returns?.has('UPDATE')) keepLive(session, selected, { tag, uid, key: query.key, order, returns: query.returns }, seqs);
    const data = esearchData(tag, uid, query.returns ?? new Set(), query.partial, results, highestModSeq);
    if (data) session.out.untagged('ESEARCH', ...data);
  } else {
    session.out.untagged(searchLine(results, highestModSeq));
  }
  return { text: `${uid ? 'UID SEARCH' : 'SEARCH'} completed` };
};

/**
 * A search of the selected mailbox as the session sees it, where search-runner.ts puts it. With
 * RETURN (SAVE) the matches the answer stands for become `$`, and a search that fails leaves `$`
 * empty (RFC 5182 §2.1) — unless it is BAD, which leaves `$` alone (RFC 9051 §6.4.4.1).
 * RECENT, NEW and OLD are not IMAP4rev2 search keys (RFC 9051 §6.4.4, Appendix E item 12): a
 * session without \Recent could only get an empty or a full answer to them.
 */
export async function runSearch(
  session: Session,
  selected: SelectedMailbox,
  key: SearchKey,
  order: ResultOrder,
  returns: ReadonlySet<ReturnOption> | null,
): Promise<SearchOutcome> {
  if (session.imap4rev2 && containsKind(key, 'recent')) throw notInImap4rev2('SEARCH RECENT, NEW or OLD', 'UNSEEN or UID ranges');
  const save = returns?.has('SAVE') ?? false;
  try {
    const outcome = await session.searches.searchSelected(session.ctx.store, selected, key, order);
    if (save) selected.saveResult(reportedMatches(returns!, outcome.seqs).map((seq) => selected.uidAt(seq)!));
    return outcome;
  } catch (error) {
    if (save) selected.saveResult([]);
    throw error;
  }
}

/**
 * RFC 5267 §4.3: the search (or sort) stays live on the mailbox from its first answer `seqs`; past
 * the session's limit it is answered but not kept, which the NOUPDATE response code says.
 */
export function keepLive(session: Session, selected: SelectedMailbox, spec: LiveSearchSpec, seqs: readonly number[]): void {
  const matches = seqs.map((seq) => selected.uidAt(seq)!);
  if (!selected.liveSearches.start(spec, matches, selected.hasPendingUpdates)) {
    session.out.untagged(`NO [NOUPDATE "${spec.tag}"] Too many live searches in this mailbox; this one is not kept up to date`);
  }
}

/** `SEARCH 2 5 9 (MODSEQ 917162500)`, built as text: a result may have 100,000 numbers. */
function searchLine(results: readonly number[], highestModSeq: number | null): string {
  let line = results.length > 0 ? `SEARCH ${results.join(' ')}` : 'SEARCH';
  if (highestModSeq !== null) line += ` (MODSEQ ${highestModSeq})`;
  return line;
}
