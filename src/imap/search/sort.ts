/**
 * RFC 5256 §3 SORT criteria, with RFC 5957 DISPLAYFROM/DISPLAYTO. Keys come from the stored
 * envelope (no message is parsed again); strings are compared by their Vietnamese folding (the
 * search index's: case and diacritics off, đ → d), so `Đào` sorts with `Dao`, then by their exact
 * text, so the order is total and stable (the "folded form, tie-break on the original").
 * Messages equal under every criterion stay in mailbox order (§3: sequence number).
 */
import type { EnvelopeAddress, MailboxId, MessageMeta, MessageRow, Uid } from '../../store/index.js';
import { decodeEncodedWords, foldVietnamese } from '../../text/index.js';
import { baseSubject } from './base-subject.js';
import type { MessageSource } from './evaluate.js';
import type { SortCriterion, SortKeyName } from './query.js';

export const SORT_KEYS: ReadonlySet<string> = new Set<SortKeyName>(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']);

/** Meta read per batch: a bounded amount of JSON parsed at once. */
const META_BATCH = 2000;

/** `seqs` (the matches) in the order of `criteria`. */
export async function sortMessages(
  source: MessageSource,
  mailbox: MailboxId,
  messages: ReadonlyArray<MessageRow | null>,
  seqs: readonly number[],
  criteria: readonly SortCriterion[],
): Promise<number[]> {
  const metas = needsMeta(criteria) ? await metaOf(source, mailbox, seqs.map((seq) => messages[seq - 1]!.uid)) : new Map<Uid, MessageMeta>();
  const keys = seqs.map((seq) => sortKey(seq, messages[seq - 1]!, metas.get(messages[seq - 1]!.uid)?.envelope, criteria));
  keys.sort((a, b) => compareKeys(criteria, a, b));
  return keys.map((k) => k.seq);
}

/**
 * `sorted` (seqs already in the order of `criteria`) with `more` (whose rows `messages` has) put in
 * their places, for a live SORT (live-searches.ts) whose other messages cannot have moved: each new
 * one finds its place by binary search, so only the rows and keys of the messages it is compared
 * with are read (`uidAt` names them). One the store no longer has left the result (an expunge the
 * session will hear of) and is dropped when met.
 */
export async function mergeSorted(
  source: MessageSource,
  mailbox: MailboxId,
  messages: ReadonlyArray<MessageRow | null>,
  uidAt: (seq: number) => Uid,
  sorted: readonly number[],
  more: readonly number[],
  criteria: readonly SortCriterion[],
): Promise<number[]> {
  const known = new Map<number, SortKey | null>();
  const keyOf = async (seq: number): Promise<SortKey | null> => {
    if (!known.has(seq)) {
      const uid = uidAt(seq);
      const row = (await source.getMessages(mailbox, [uid]))[0];
      const envelope = row && needsMeta(criteria) ? (await source.getMessageMeta(mailbox, [uid]))[0]?.envelope : undefined;
      known.set(seq, row ? sortKey(seq, row, envelope, criteria) : null);
    }
    return known.get(seq)!;
  };
  const merged = [...sorted];
  for (const seq of await sortMessages(source, mailbox, messages, more, criteria)) {
    const key = await keyOf(seq);
    if (!key) continue;
    let lo = 0;
    let hi = merged.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const probe = await keyOf(merged[mid]!);
      if (!probe) {
        merged.splice(mid, 1);
        hi--;
      } else if (compareKeys(criteria, probe, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    merged.splice(lo, 0, seq);
  }
  return merged;
}

interface SortKey {
  readonly seq: number;
  readonly values: readonly SortValue[];
}

function needsMeta(criteria: readonly SortCriterion[]): boolean {
  return criteria.some((c) => c.key !== 'ARRIVAL' && c.key !== 'SIZE');
}

function sortKey(seq: number, row: MessageRow, envelope: MessageMeta['envelope'] | undefined, criteria: readonly SortCriterion[]): SortKey {
  return { seq, values: criteria.map((c) => sortValue(c.key, row, envelope)) };
}

/** By each criterion in turn, then by mailbox order (RFC 5256 §3). */
function compareKeys(criteria: readonly SortCriterion[], a: SortKey, b: SortKey): number {
  for (let i = 0; i < criteria.length; i++) {
    const order = compareValues(a.values[i]!, b.values[i]!);
    if (order !== 0) return criteria[i]!.reverse ? -order : order;
  }
  return a.seq - b.seq;
}

export async function metaOf(source: MessageSource, mailbox: MailboxId, uids: readonly Uid[]): Promise<Map<Uid, MessageMeta>> {
  const metas = new Map<Uid, MessageMeta>();
  for (let start = 0; start < uids.length; start += META_BATCH) {
    for (const meta of await source.getMessageMeta(mailbox, uids.slice(start, start + META_BATCH))) metas.set(meta.uid, meta);
  }
  return metas;
}

type SortValue = number | { readonly folded: string; readonly exact: string };

function sortValue(key: SortKeyName, row: MessageRow, envelope: MessageMeta['envelope'] | undefined): SortValue {
  switch (key) {
    case 'ARRIVAL':
      return row.internalDate.getTime();
    case 'SIZE':
      return row.size;
    case 'DATE':
      return sentTime(envelope?.date ?? null, row.internalDate);
    case 'SUBJECT':
      return text(baseSubject(envelope?.subject ?? null).text);
    case 'FROM':
      return text(firstMailbox(envelope?.from));
    case 'TO':
      return text(firstMailbox(envelope?.to));
    case 'CC':
      return text(firstMailbox(envelope?.cc));
    case 'DISPLAYFROM':
      return text(displayName(envelope?.from));
    case 'DISPLAYTO':
      return text(displayName(envelope?.to));
  }
}

/** RFC 5256 §2.2: the Date: header's time in UTC; a message without a valid one counts at its internal date. */
export function sentTime(date: string | null, internalDate: Date): number {
  const time = date === null ? NaN : Date.parse(date.replace(/\([^()]*\)/g, ' ').trim());
  return Number.isFinite(time) ? time : internalDate.getTime();
}

const text = (value: string): SortValue => ({ folded: foldVietnamese(value), exact: value });

/** RFC 5256 §3 FROM/TO/CC: the addr-mailbox (local part) of the first address; none is the empty string. */
function firstMailbox(addresses: readonly EnvelopeAddress[] | null | undefined): string {
  return addresses?.find((a) => a.host !== null)?.mailbox ?? '';
}

/**
 * RFC 5957 §3: the display-name of the first address, decoded (RFC 2047); without one, the
 * addr-spec (mailbox@host); no address at all is the empty string.
 */
function displayName(addresses: readonly EnvelopeAddress[] | null | undefined): string {
  const first = addresses?.find((a) => a.host !== null);
  if (!first) return '';
  const name = first.name === null ? '' : decodeEncodedWords(first.name).trim();
  return name !== '' ? name : `${first.mailbox ?? ''}@${first.host ?? ''}`;
}

function compareValues(a: SortValue, b: SortValue): number {
  if (typeof a === 'number' || typeof b === 'number') return (a as number) - (b as number);
  return compareStrings(a.folded, b.folded) || compareStrings(a.exact, b.exact);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
