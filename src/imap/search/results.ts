/**
 * How SEARCH and SORT report their matches when the client asked with RETURN (…): the RFC 4731
 * ESEARCH response (RFC 5267 §3.2 for SORT, where ALL keeps the sort order and MIN/MAX are the first
 * and last sorted; RFC 5267 §4.4 PARTIAL, a window of positions in that order), and the RFC 5182
 * saved result.
 */
import { atom, type ImapValue } from '../responses.js';
import { formatSequenceSet } from '../sequence-set.js';
import type { PartialRange, ReturnOption } from './query.js';

/**
 * The matches an answer stands for (RFC 4731 §3.2 for MODSEQ, RFC 5182 §2.1 for SAVE): with MIN
 * and/or MAX and neither ALL, COUNT nor PARTIAL, the message(s) returned as such; otherwise every match.
 */
export function reportedMatches<T>(options: ReadonlySet<ReturnOption>, matches: readonly T[]): readonly T[] {
  const minMaxOnly = (options.has('MIN') || options.has('MAX')) && !options.has('ALL') && !options.has('COUNT') && !options.has('PARTIAL');
  if (!minMaxOnly || matches.length === 0) return matches;
  return [...new Set([...(options.has('MIN') ? [matches[0]!] : []), ...(options.has('MAX') ? [matches.at(-1)!] : [])])];
}

/**
 * RFC 4731 §3.1: `ESEARCH (TAG "a1") UID MIN 2 MAX 9 ALL 2:5,9 COUNT 4`; MIN, MAX and ALL are left
 * out when nothing matched; RETURN () means ALL. RFC 5267 §4.4: `PARTIAL (1:10 4,9)`, NIL when the
 * window is past the end. Null for RETURN (SAVE) alone, which RFC 5182 §2.1 answers with the tagged
 * OK only; RETURN (UPDATE) alone asks for no data now, only for later updates (RFC 5267 §4.3, as
 * Dovecot answers it). `results` are in the order to report (ascending, or sorted).
 */
export function esearchData(
  tag: string,
  uid: boolean,
  options: ReadonlySet<ReturnOption>,
  partial: PartialRange | null,
  results: readonly number[],
  highestModSeq: number | null,
): ImapValue[] | null {
  if (options.size === 1 && options.has('SAVE')) return null;
  // RFC 5267 §4.2: CONTEXT is a hint only, so RETURN (CONTEXT) is RETURN ().
  const wanted = [...options].every((option) => option === 'CONTEXT') ? new Set<ReturnOption>(['ALL']) : options;
  const line: ImapValue[] = [[atom('TAG'), tag]];
  if (uid) line.push(atom('UID'));
  line.push(...resultData(wanted, results, partial));
  if (highestModSeq !== null) line.push(atom('MODSEQ'), highestModSeq);
  return line;
}

/**
 * MIN, MAX, ALL, PARTIAL and COUNT of `results` as `options` ask (RFC 4731 §3.1, RFC 5267 §4.4;
 * PARTIAL before COUNT as Dovecot orders them); also what an RFC 5267 §4.3 update repeats.
 */
export function resultData(options: ReadonlySet<ReturnOption>, results: readonly number[], partial: PartialRange | null = null): ImapValue[] {
  const data: ImapValue[] = [];
  if (results.length > 0) {
    if (options.has('MIN')) data.push(atom('MIN'), results[0]!);
    if (options.has('MAX')) data.push(atom('MAX'), results[results.length - 1]!);
    if (options.has('ALL')) data.push(atom('ALL'), atom(formatSequenceSet(results)));
  }
  if (partial) {
    const window = results.slice(partial.low - 1, partial.high);
    data.push(atom('PARTIAL'), [atom(`${partial.low}:${partial.high}`), window.length > 0 ? atom(formatSequenceSet(window)) : null]);
  }
  if (options.has('COUNT')) data.push(atom('COUNT'), results.length);
  return data;
}
