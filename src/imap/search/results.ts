/**
 * How SEARCH and SORT report their matches when the client asked with RETURN (…): the RFC 4731
 * ESEARCH response (RFC 5267 §3.2 for SORT, where ALL keeps the sort order and MIN/MAX are the first
 * and last sorted), and the RFC 5182 saved result.
 */
import { atom, type ImapValue } from '../responses.js';
import { formatSequenceSet } from '../sequence-set.js';
import type { ReturnOption } from './query.js';

/**
 * The matches an answer stands for (RFC 4731 §3.2 for MODSEQ, RFC 5182 §2.1 for SAVE): with MIN
 * and/or MAX and neither ALL nor COUNT, the message(s) returned as such; otherwise every match.
 */
export function reportedMatches<T>(options: ReadonlySet<ReturnOption>, matches: readonly T[]): readonly T[] {
  const minMaxOnly = (options.has('MIN') || options.has('MAX')) && !options.has('ALL') && !options.has('COUNT');
  if (!minMaxOnly || matches.length === 0) return matches;
  return [...new Set([...(options.has('MIN') ? [matches[0]!] : []), ...(options.has('MAX') ? [matches.at(-1)!] : [])])];
}

/**
 * RFC 4731 §3.1: `ESEARCH (TAG "a1") UID MIN 2 MAX 9 ALL 2:5,9 COUNT 4`; MIN, MAX and ALL are left
 * out when nothing matched; RETURN () means ALL. Null for RETURN (SAVE) alone, which RFC 5182 §2.1
 * answers with the tagged OK only. `results` are in the order to report (ascending, or sorted).
 */
export function esearchData(
  tag: string,
  uid: boolean,
  options: ReadonlySet<ReturnOption>,
  results: readonly number[],
  highestModSeq: number | null,
): ImapValue[] | null {
  if (options.size === 1 && options.has('SAVE')) return null;
  const wanted = options.size === 0 ? new Set<ReturnOption>(['ALL']) : options;
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
