import type { MessageRow, Uid } from '../../store/index.js';
import { rowsOf } from '../message-rows.js';
import { atom, type ImapValue } from '../responses.js';
import { evaluateSearch } from '../search/evaluate.js';
import { parseSearch } from '../search/parse.js';
import { usesModSeq, type SearchKey, type SearchQuery } from '../search/query.js';
import type { SelectedMailbox } from '../selected.js';
import { formatSequenceSet, resolveUidSet, sequenceSetContains } from '../sequence-set.js';
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
  const store = session.ctx.store;
  // Only the rows the key can match are read; the others stand as null, which matches nothing.
  const candidates = candidateSeqs(query.key, selected);
  const rows =
    candidates === null
      ? new Map<Uid, MessageRow>(store.listMessages(selected.info.id).map((row) => [row.uid, row]))
      : rowsOf(store, selected.info.id, candidates.map((seq) => selected.uidAt(seq)!));
  const messages = Array.from(selected.uids, (u) => rows.get(u as Uid) ?? null);
  const seqs = await evaluateSearch(query.key, {
    store,
    mailbox: selected.info.id,
    messages,
    uids: selected.uids,
    isRecent: (u) => selected.isRecent(u),
  });
  const results = uid ? seqs.map((seq) => selected.uidAt(seq)!) : seqs;
  const reported = query.returns ? reportedSeqs(query.returns, seqs) : seqs;
  const highestModSeq = withModSeq && reported.length > 0 ? reported.reduce((max, seq) => Math.max(max, messages[seq - 1]!.modSeq), 0) : null;
  if (query.returns) session.out.untagged('ESEARCH', ...esearchData(tag, uid, query.returns, results, highestModSeq));
  else session.out.untagged(searchLine(results, highestModSeq));
  return { text: `${uid ? 'UID SEARCH' : 'SEARCH'} completed` };
};

/**
 * The messages whose MODSEQ the answer reports (RFC 4731 §3.2): with only MIN and/or MAX, the
 * message(s) returned as such; with ALL or COUNT (RETURN () is ALL), every match.
 */
function reportedSeqs(options: NonNullable<SearchQuery['returns']>, seqs: readonly number[]): readonly number[] {
  if (options.size === 0 || options.has('ALL') || options.has('COUNT') || seqs.length === 0) return seqs;
  return [...new Set([...(options.has('MIN') ? [seqs[0]!] : []), ...(options.has('MAX') ? [seqs.at(-1)!] : [])])];
}

/**
 * The sequence numbers a key can match at most, when it names them at its top level (mbsync's and
 * phones' `UID SEARCH UID 4000:* …`, `SEARCH 1:50 UNSEEN`); null when it may match any message.
 */
function candidateSeqs(key: SearchKey, selected: SelectedMailbox): number[] | null {
  switch (key.kind) {
    case 'uid':
      return resolveUidSet(key.set, selected.uids);
    case 'sequence': {
      const seqs: number[] = [];
      for (let seq = 1; seq <= selected.exists; seq++) if (sequenceSetContains(key.set, seq, selected.exists)) seqs.push(seq);
      return seqs;
    }
    case 'and':
      return key.keys.reduce<number[] | null>((narrowest, sub) => {
        const seqs = candidateSeqs(sub, selected);
        return seqs !== null && (narrowest === null || seqs.length < narrowest.length) ? seqs : narrowest;
      }, null);
    default:
      return null;
  }
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
