/**
 * The parsed form of an RFC 3501 §6.4.4 SEARCH (with RFC 7162 MODSEQ and RFC 4731 RETURN): a tree
 * of keys, every key kept apart so that the evaluator asks the store only for what it needs.
 */
import type { TextField } from '../../store/index.js';
import type { Day } from '../fetch/date-time.js';
import type { SequenceSet } from '../sequence-set.js';

export type SearchKey =
  | { readonly kind: 'all' }
  /** ANSWERED, DELETED, DRAFT, FLAGGED, SEEN, KEYWORD and their UN… forms. */
  | { readonly kind: 'flag'; readonly flag: string; readonly present: boolean }
  /** RECENT / OLD: the session's \Recent set (RFC 3501 §2.3.2). */
  | { readonly kind: 'recent'; readonly present: boolean }
  | { readonly kind: 'sequence'; readonly set: SequenceSet }
  | { readonly kind: 'uid'; readonly set: SequenceSet }
  /** Through the full-text index (store.searchText), folded for Vietnamese. */
  | { readonly kind: 'text'; readonly field: TextField; readonly value: string }
  | { readonly kind: 'header'; readonly name: string; readonly value: string }
  /** BEFORE/ON/SINCE: the internal date; SENTBEFORE/SENTON/SENTSINCE: the Date: header; both "disregarding time and timezone". */
  | { readonly kind: 'date'; readonly of: 'internal' | 'sent'; readonly compare: 'before' | 'on' | 'since'; readonly day: Day }
  | { readonly kind: 'size'; readonly compare: 'larger' | 'smaller'; readonly octets: number }
  /** RFC 7162 §3.1.5: messages whose MODSEQ is at least this. */
  | { readonly kind: 'modseq'; readonly modSeq: number }
  | { readonly kind: 'not'; readonly key: SearchKey }
  | { readonly kind: 'or'; readonly left: SearchKey; readonly right: SearchKey }
  | { readonly kind: 'and'; readonly keys: readonly SearchKey[] };

/**
 * RFC 4731 §3.1 result options; SAVE is RFC 5182 §2.1 (SEARCHRES); CONTEXT, UPDATE and PARTIAL are
 * RFC 5267 §4.2–§4.4 (PARTIAL's range is in the query's `partial`).
 */
export type ReturnOption = 'MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE' | 'CONTEXT' | 'UPDATE' | 'PARTIAL';

/** RFC 5267 §4.4 `PARTIAL low:high`: positions (from 1) in the result's order, low ≤ high. */
export interface PartialRange {
  readonly low: number;
  readonly high: number;
}

export interface SearchQuery {
  readonly key: SearchKey;
  /** null: a plain SEARCH, answered with `* SEARCH`; a set (possibly empty = ALL): ESEARCH. */
  readonly returns: ReadonlySet<ReturnOption> | null;
  readonly partial: PartialRange | null;
}

/** RFC 5256 §3 sort keys, with RFC 5957 DISPLAYFROM / DISPLAYTO. */
export type SortKeyName = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';

export interface SortCriterion {
  readonly key: SortKeyName;
  readonly reverse: boolean;
}

/** RFC 5256 §4 threading algorithms. */
export type ThreadAlgorithm = 'ORDEREDSUBJECT' | 'REFERENCES';

/** RFC 5256 §3 SORT, with RFC 5267 ESORT RETURN options. */
export interface SortQuery {
  readonly criteria: readonly SortCriterion[];
  readonly key: SearchKey;
  readonly returns: ReadonlySet<ReturnOption> | null;
  readonly partial: PartialRange | null;
}

/** RFC 5256 §4 THREAD. */
export interface ThreadQuery {
  readonly algorithm: ThreadAlgorithm;
  readonly key: SearchKey;
}

/** True when the tree uses MODSEQ: the response then carries the highest MODSEQ (RFC 7162 §3.1.5). */
export function usesModSeq(key: SearchKey): boolean {
  return containsKind(key, 'modseq');
}

/** True when a key of this kind appears anywhere in the tree, under NOT, OR and AND too. */
export function containsKind(key: SearchKey, kind: SearchKey['kind']): boolean {
  switch (key.kind) {
    case kind:
      return true;
    case 'not':
      return containsKind(key.key, kind);
    case 'or':
      return containsKind(key.left, kind) || containsKind(key.right, kind);
    case 'and':
      return key.keys.some((inner) => containsKind(inner, kind));
    default:
      return false;
  }
}
