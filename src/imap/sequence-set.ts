/**
 * RFC 3501 §9 / RFC 9051 §9 `sequence-set`: parsing, resolution against a session's view of the
 * mailbox, and the compact form used in COPYUID/APPENDUID (RFC 4315) and ESEARCH (RFC 4731).
 *
 * A parsed set keeps `*` symbolic: what it means depends on the mailbox at the moment a command
 * runs, and on whether the set names sequence numbers or UIDs.
 */
import { ParseError } from './errors.js';
import type { ArgReader } from './parser.js';

/** `*`: the largest number in use (RFC 3501 §9 `seq-number`). */
export const STAR = '*';
export type SeqNumber = number | typeof STAR;

/** `a:b` in the order the client wrote it; `*:1` and `1:*` are the same range (RFC 3501 §9 `seq-range`). */
export interface SeqRange {
  readonly from: SeqNumber;
  readonly to: SeqNumber;
}

export type SequenceSet = readonly SeqRange[];

/** RFC 3501 §9 `nz-number`: 1 .. 2^32-1. */
const MAX_NUMBER = 0xffffffff;

/** The text is not a sequence-set, or names messages that do not exist: a tagged BAD (RFC 3501 §9). */
export class SequenceSetError extends ParseError {
  constructor(message: string) {
    super(message);
    this.name = 'SequenceSetError';
  }
}

function parseSeqNumber(text: string, whole: string): SeqNumber {
  if (text === STAR) return STAR;
  // nz-number = digit-nz *DIGIT: no leading zero, no sign, no zero.
  if (!/^[1-9][0-9]*$/.test(text)) throw new SequenceSetError(`invalid sequence set "${whole}"`);
  const value = Number(text);
  if (value > MAX_NUMBER) throw new SequenceSetError(`invalid sequence set "${whole}": ${text} is above 4294967295`);
  return value;
}

/** Parses `1:3,5,7:*`; throws SequenceSetError on anything else (empty items, `0`, numbers over 2^32-1). */
export function parseSequenceSet(text: string): SequenceSet {
  if (text.length === 0) throw new SequenceSetError('empty sequence set');
  return text.split(',').map((item) => {
    const colon = item.indexOf(':');
    if (colon < 0) {
      const n = parseSeqNumber(item, text);
      return { from: n, to: n };
    }
    return { from: parseSeqNumber(item.slice(0, colon), text), to: parseSeqNumber(item.slice(colon + 1), text) };
  });
}

const isSequenceSetChar = (b: number): boolean => (b >= 0x30 && b <= 0x39) || b === 0x2a || b === 0x3a || b === 0x2c;

/** Reads a sequence-set argument; a malformed one is a SequenceSetError (tagged BAD). */
/**
 * A sequence set, or RFC 5182 `$` (seq-last-command): the saved search result, as UIDs (`as`
 * 'uid': UID commands, the UID search key) or sequence numbers; `$` of nothing saved is empty.
 */
export function readSequenceSet(reader: ArgReader, as: 'uid' | 'seq' = 'seq'): SequenceSet {
  if (reader.take('$')) {
    const next = reader.peek();
    if (next !== undefined && next !== 0x20 && next !== 0x29) throw reader.error('expected a space after $');
    return reader.savedResult(as).map((n) => ({ from: n, to: n }));
  }
  return parseSequenceSet(reader.readWhile(isSequenceSetChar, 'a sequence set'));
}

function bounds(range: SeqRange, star: number): [number, number] {
  const a = range.from === STAR ? star : range.from;
  const b = range.to === STAR ? star : range.to;
  return a <= b ? [a, b] : [b, a];
}

/**
 * Message sequence numbers named by the set, ascending and without duplicates. RFC 3501 §9: a
 * number above the message count (also `*` in an empty mailbox) is a client error: BAD.
 */
export function resolveSequenceNumbers(set: SequenceSet, messageCount: number): number[] {
  const hit = new Uint8Array(messageCount + 1);
  for (const range of set) {
    if (messageCount === 0) throw new SequenceSetError('no messages in the mailbox');
    const [low, high] = bounds(range, messageCount);
    if (high > messageCount) throw new SequenceSetError(`message ${high} does not exist (${messageCount} messages)`);
    hit.fill(1, low, high + 1);
  }
  return collect(hit);
}

/**
 * Sequence numbers (ascending) of the messages whose UID the set names; `uids` is the session's
 * seq→UID map (index seq-1, ascending). UIDs that do not exist are ignored (RFC 3501 §6.4.8).
 * RFC 9051 §9: `*` is the highest UID in use, so `559:*` always includes the last message even
 * when every UID is below 559; in an empty mailbox nothing matches.
 */
export function resolveUidSet(set: SequenceSet, uids: ArrayLike<number>): number[] {
  const count = uids.length;
  if (count === 0) return [];
  const star = uids[count - 1]!;
  const hit = new Uint8Array(count + 1);
  for (const range of set) {
    const [low, high] = bounds(range, star);
    for (let i = lowerBound(uids, low); i < count && uids[i]! <= high; i++) hit[i + 1] = 1;
  }
  return collect(hit);
}

/**
 * Whether `n` (a sequence number or a UID) is in the set, `*` standing for `star`. Used by SEARCH,
 * where a set is a key over messages rather than a list to fetch: nothing out of range is an error.
 */
export function sequenceSetContains(set: SequenceSet, n: number, star: number): boolean {
  for (const range of set) {
    const [low, high] = bounds(range, star);
    if (n >= low && n <= high) return true;
  }
  return false;
}

/** The sequence numbers (ascending) of the UIDs of `wanted` that the seq → UID map `uids` holds. */
export function seqsOfUids(wanted: Iterable<number>, uids: ArrayLike<number>): number[] {
  const seqs: number[] = [];
  for (const uid of wanted) {
    const index = lowerBound(uids, uid);
    if (index < uids.length && uids[index] === uid) seqs.push(index + 1);
  }
  return seqs.sort((a, b) => a - b);
}

/** First index whose value is >= target in an ascending array. */
function lowerBound(values: ArrayLike<number>, target: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (values[mid]! < target) low = mid + 1;
    else high = mid;
  }
  return low;
}

function collect(hit: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 1; i < hit.length; i++) if (hit[i]) out.push(i);
  return out;
}

/**
 * Compact sequence-set text of numbers in the given order, runs of consecutive ascending numbers
 * joined: `[1,2,3,5]` → `1:3,5`. The order is kept because RFC 4315 COPYUID pairs the source and
 * destination sets element by element.
 */
export function formatSequenceSet(numbers: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < numbers.length) {
    const start = numbers[i]!;
    let end = start;
    while (i + 1 < numbers.length && numbers[i + 1] === end + 1) end = numbers[++i]!;
    parts.push(start === end ? String(start) : `${start}:${end}`);
    i++;
  }
  return parts.join(',');
}

/**
 * The numbers the set names (`*` = `star`, nothing above `limit`) that are not in `present`
 * (ascending), as compact sequence-set text; empty when none. Works on ranges, so `1:4294967295`
 * minus a few present UIDs costs as little as the present list.
 */
export function missingFromSet(set: SequenceSet, star: number, limit: number, present: ArrayLike<number>): string {
  const ranges = set
    .map((range) => bounds(range, star))
    .filter(([low]) => low <= limit)
    .map(([low, high]): [number, number] => [low, Math.min(high, limit)])
    .sort((a, b) => a[0] - b[0]);
  const parts: string[] = [];
  const emit = (low: number, high: number) => {
    if (low <= high) parts.push(low === high ? String(low) : `${low}:${high}`);
  };
  let next = 1; // everything below `next` has been emitted or is covered
  for (const [rangeLow, high] of ranges) {
    let low = Math.max(rangeLow, next);
    if (low > high) continue;
    for (let i = lowerBound(present, low); i < present.length && present[i]! <= high; i++) {
      emit(low, present[i]! - 1);
      low = present[i]! + 1;
    }
    emit(low, high);
    next = high + 1;
  }
  return parts.join(',');
}
