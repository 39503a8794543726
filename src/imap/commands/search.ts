import { atom, type ImapValue } from '../responses.js';
import type { ResultOrder, SearchOutcome } from '../search/execute.js';
import { parseSearch } from '../search/parse.js';
import { usesModSeq, type SearchKey, type SearchQuery } from '../search/query.js';
import { privateReaderOf } from '../seen-view.js';
import type { SelectedMailbox } from '../selected.js';
import { formatSequenceSet } from '../sequence-set.js';
import type { Session } from '../session.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 3501 §6.4.4 SEARCH and §6.4.8 UID SEARCH; with RETURN (…) the answer is RFC 4731 ESEARCH,
 * and a MODSEQ key adds the highest MODSEQ of the matches (RFC 7162 §3.1.5) — of the MIN or MAX
 * message alone when only those are asked for (RFC 4731 §3.2).
 */
export const search: CommandHandler = async (session, { tag, uid, args }) => {
  const selected = session.requireSelected();
  const query = parseSearch(args);
  const withModSeq = usesModSeq(query.key);
  // RFC 7162 §3.1: SEARCH MODSEQ is CONDSTORE-enabling.
  if (withModSeq) session.enableCondstore();
  const { seqs, modSeqs } = await runSearch(session, selected, query.key, { kind: 'ascending' });
  const results = uid ? seqs.map((seq) => selected.uidAt(seq)!) : seqs;
  const modSeqOf = new Map(seqs.map((seq, i) => [seq, modSeqs[i]!]));
  const reported = query.returns ? reportedSeqs(query.returns, seqs) : seqs;
  const highestModSeq = withModSeq && reported.length > 0 ? reported.reduce((max, seq) => Math.max(max, modSeqOf.get(seq)!), 0) : null;
  if (query.returns) session.out.untagged('ESEARCH', ...esearchData(tag, uid, query.returns, results, highestModSeq));
  else session.out.untagged(searchLine(results, highestModSeq));
  return { text: `${uid ? 'UID SEARCH' : 'SEARCH'} completed` };
};

/** A search of the selected mailbox as the session sees it, where search-runner.ts puts it. */
export function runSearch(session: Session, selected: SelectedMailbox, key: SearchKey, order: ResultOrder): Promise<SearchOutcome> {
  const store = session.ctx.store;
  const request = { mailbox: selected.info.id, uids: selected.uids, recent: selected.recentUids(), key, order };
  return session.searches.run(store, request, privateReaderOf(store, selected.info.id));
}

/**
 * The messages whose MODSEQ the answer reports (RFC 4731 §3.2): with only MIN and/or MAX, the
 * message(s) returned as such; with ALL or COUNT (RETURN () is ALL), every match.
 */
function reportedSeqs(options: NonNullable<SearchQuery['returns']>, seqs: readonly number[]): readonly number[] {
  if (options.size === 0 || options.has('ALL') || options.has('COUNT') || seqs.length === 0) return seqs;
  return [...new Set([...(options.has('MIN') ? [seqs[0]!] : []), ...(options.has('MAX') ? [seqs.at(-1)!] : [])])];
}

/** `SEARCH 2 5 9 (MODSEQ 917162500)`, built as text: a result may have 100,000 numbers. */
function searchLine(results: readonly number[], highestModSeq: number | null): string {
  let line = results.length > 0 ? `SEARCH ${results.join(' ')}` : 'SEARCH';
  if (highestModSeq !== null) line += ` (MODSEQ ${highestModSeq})`;
  return line;
}

/**
 * RFC 4731 §3.1: `ESEARCH (TAG "a1") UID MIN 2 MAX 9 ALL 2:5,9 COUNT 4`; MIN, MAX and ALL are left
 * out when nothing matched; RETURN () means ALL.
 */
function esearchData(
  tag: string,
  uid: boolean,
  options: NonNullable<SearchQuery['returns']>,
  results: readonly number[],
  highestModSeq: number | null,
): ImapValue[] {
  const wanted = options.size === 0 ? new Set(['ALL']) : options;
  const line: ImapValue[] = [[atom('TAG'), tag]];
  if (uid) line.push(atom('UID'));
  if (results.length > 0) {
    if (wanted.has('MIN')) line.push(atom('MIN'), results[0]!);
    if (wanted.has('MAX')) line.push(atom('MAX'), results[results.length - 1]!);
    if (wanted.has('ALL')) line.push(atom('ALL'), atom(formatSequenceSet(results)));
  }
  if (wanted.has('COUNT')) line.push(atom('COUNT'), results.length);
  if (highestModSeq !== null) line.push(atom('MODSEQ'), highestModSeq);
  return line;
}
