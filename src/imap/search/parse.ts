/**
 * RFC 3501 §6.4.4 SEARCH arguments, with RFC 4731 RETURN options (ESEARCH, RFC 5182 SAVE, RFC 5267
 * §4 CONTEXT, UPDATE and PARTIAL) and the RFC 7162 §3.1.5 MODSEQ key, read through ArgReader into a
 * SearchQuery; the RFC 5256 SORT and THREAD arguments around the same search keys:
 *
 *   search = "SEARCH" [SP "RETURN" SP "(" [return-opt *(SP return-opt)] ")"]
 *            [SP "CHARSET" SP astring] 1*(SP search-key)
 *   return-opt =/ "CONTEXT" / "UPDATE" / "PARTIAL" SP partial-range     ; RFC 5267 §5
 *   partial-range = nz-number ":" nz-number
 */
import { ImapError } from '../errors.js';
import type { ArgReader } from '../parser.js';
import { readSequenceSet } from '../sequence-set.js';
import { dayOfSearchDate } from '../fetch/date-time.js';
import type { PartialRange, ReturnOption, SearchKey, SearchQuery, SortKeyName, SortQuery, ThreadAlgorithm, ThreadQuery } from './query.js';
import { SORT_KEYS } from './sort.js';
import { THREAD_ALGORITHMS } from './thread.js';

/** Charsets a search string may be in: UTF-8, and its subset US-ASCII (RFC 3501 §6.4.4 requires the latter). */
const SEARCH_CHARSETS = ['UTF-8', 'US-ASCII'] as const;

/** Deeper nesting of NOT/OR/parentheses than any client writes: refused instead of risking the stack. */
const MAX_DEPTH = 64;

const RETURN_OPTIONS: ReadonlySet<string> = new Set<ReturnOption>(['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE', 'CONTEXT', 'UPDATE', 'PARTIAL']);

/** System flags with a search key of their own, and the key that tests their absence. */
const FLAG_KEYS: Readonly<Record<string, readonly [flag: string, present: boolean]>> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};

const TEXT_KEYS = { BCC: 'bcc', BODY: 'body', CC: 'cc', FROM: 'from', SUBJECT: 'subject', TEXT: 'text', TO: 'to' } as const;

const DATE_KEYS = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
} as const;

/** Reads everything after the command name (`reader` is just past "SEARCH"). */
export function parseSearch(reader: ArgReader): SearchQuery {
  reader.space();
  const { returns, partial } = readReturnOptions(reader);
  return afterReturnOptions(reader, returns, () => {
    if (reader.take('CHARSET ')) {
      checkCharset(reader);
      reader.space();
    }
    return { key: readKeys(reader), returns, partial };
  });
}

/**
 * RFC 5182 §2.1: a command with RETURN (SAVE) that fails empties `$`, also when what fails is
 * the rest of its arguments (`SEARCH RETURN (SAVE) CHARSET BOGUS …` is NO [BADCHARSET]).
 */
function afterReturnOptions<T>(reader: ArgReader, returns: ReadonlySet<ReturnOption> | null, readRest: () => T): T {
  try {
    return readRest();
  } catch (error) {
    if (returns?.has('SAVE')) reader.forgetSavedResult();
    throw error;
  }
}

/**
 * RFC 5256 §3 `SORT (criteria) charset keys`, with the RFC 5267 §3 ESORT `RETURN (…)` before the
 * criteria (`reader` is just past "SORT").
 */
export function parseSort(reader: ArgReader): SortQuery {
  reader.space();
  const { returns, partial } = readReturnOptions(reader);
  return afterReturnOptions(reader, returns, () => {
    const criteria = reader.list(() => {
      const first = reader.keyword();
      const reverse = first === 'REVERSE';
      if (reverse) reader.space();
      const key = reverse ? reader.keyword() : first;
      if (!SORT_KEYS.has(key)) throw reader.error(`unknown sort key ${key}`);
      return { key: key as SortKeyName, reverse };
    }, false);
    reader.space();
    checkCharset(reader);
    reader.space();
    return { criteria, key: readKeys(reader), returns, partial };
  });
}

/** RFC 5256 §4 `THREAD algorithm charset keys` (`reader` is just past "THREAD"). */
export function parseThread(reader: ArgReader): ThreadQuery {
  reader.space();
  const algorithm = reader.keyword();
  if (!(THREAD_ALGORITHMS as readonly string[]).includes(algorithm)) throw reader.error(`unknown threading algorithm ${algorithm}`);
  reader.space();
  checkCharset(reader);
  reader.space();
  return { algorithm: algorithm as ThreadAlgorithm, key: readKeys(reader) };
}

/** RFC 4731 §3.1 `RETURN (…)` and its space, or null when absent; RETURN () means ALL. */
function readReturnOptions(reader: ArgReader): { returns: Set<ReturnOption> | null; partial: PartialRange | null } {
  if (!reader.take('RETURN ')) return { returns: null, partial: null };
  let partial: PartialRange | null = null;
  const returns = new Set(
    reader.list(() => {
      const option = reader.keyword();
      if (!RETURN_OPTIONS.has(option)) throw reader.error(`unknown RETURN option ${option}`);
      if (option === 'PARTIAL') {
        // RFC 5267 §4.4: a command has at most one PARTIAL.
        if (partial) throw reader.error('PARTIAL given twice');
        reader.space();
        partial = readPartialRange(reader);
      }
      return option as ReturnOption;
    }),
  );
  // RFC 5267 §4.4: PARTIAL and ALL are exclusive.
  if (returns.has('PARTIAL') && returns.has('ALL')) throw reader.error('PARTIAL and ALL cannot be used together');
  reader.space();
  return { returns, partial };
}

/** RFC 5267 §5 `partial-range = nz-number ":" nz-number`; the two ends in either order. */
function readPartialRange(reader: ArgReader): PartialRange {
  const first = reader.nzNumber();
  reader.expect(':');
  const second = reader.nzNumber();
  return { low: Math.min(first, second), high: Math.max(first, second) };
}

function checkCharset(reader: ArgReader): void {
  const charset = reader.astringText().toUpperCase();
  if (!(SEARCH_CHARSETS as readonly string[]).includes(charset)) {
    throw new ImapError('NO', `BADCHARSET (${SEARCH_CHARSETS.join(' ')})`, `charset ${charset} is not supported`);
  }
}

/** `1*(SP search-key)` up to the end of the command, as one key. */
function readKeys(reader: ArgReader): SearchKey {
  const keys = [parseKey(reader, 0)];
  while (!reader.atEnd()) {
    reader.space();
    keys.push(parseKey(reader, 0));
  }
  return keys.length === 1 ? keys[0]! : { kind: 'and', keys };
}

function parseKey(reader: ArgReader, depth: number): SearchKey {
  if (depth > MAX_DEPTH) throw reader.error('search keys nested too deeply');
  const first = reader.peek();
  if (first === 0x28) {
    const keys = reader.list(() => parseKey(reader, depth + 1), false);
    return keys.length === 1 ? keys[0]! : { kind: 'and', keys };
  }
  // A sequence set starts with `*`, a digit, or is RFC 5182 `$`.
  if (first === 0x2a || first === 0x24 || (first !== undefined && first >= 0x30 && first <= 0x39)) {
    return { kind: 'sequence', set: readSequenceSet(reader) };
  }
  const name = reader.keyword();
  const flagKey = FLAG_KEYS[name];
  if (flagKey) return { kind: 'flag', flag: flagKey[0], present: flagKey[1] };
  if (name in TEXT_KEYS) {
    reader.space();
    return { kind: 'text', field: TEXT_KEYS[name as keyof typeof TEXT_KEYS], value: reader.astringText() };
  }
  if (name in DATE_KEYS) {
    const [of, compare] = DATE_KEYS[name as keyof typeof DATE_KEYS];
    reader.space();
    return { kind: 'date', of, compare, day: dayOfSearchDate(reader.date()) };
  }
  switch (name) {
    case 'ALL':
      return { kind: 'all' };
    case 'RECENT':
      return { kind: 'recent', present: true };
    case 'OLD':
      return { kind: 'recent', present: false };
    case 'NEW':
      // RFC 3501 §6.4.4: NEW is RECENT UNSEEN.
      return { kind: 'and', keys: [{ kind: 'recent', present: true }, { kind: 'flag', flag: '\\Seen', present: false }] };
    case 'KEYWORD':
    case 'UNKEYWORD':
      reader.space();
      return { kind: 'flag', flag: reader.atom(), present: name === 'KEYWORD' };
    case 'HEADER': {
      reader.space();
      const field = reader.astringText();
      reader.space();
      return { kind: 'header', name: field, value: reader.astringText() };
    }
    case 'LARGER':
    case 'SMALLER':
      reader.space();
      return { kind: 'size', compare: name === 'LARGER' ? 'larger' : 'smaller', octets: reader.number() };
    case 'UID':
      reader.space();
      return { kind: 'uid', set: readSequenceSet(reader, 'uid') };
    case 'NOT':
      reader.space();
      return { kind: 'not', key: parseKey(reader, depth + 1) };
    case 'OR': {
      reader.space();
      const left = parseKey(reader, depth + 1);
      reader.space();
      return { kind: 'or', left, right: parseKey(reader, depth + 1) };
    }
    case 'MODSEQ':
      return parseModSeq(reader);
    default:
      throw reader.error(`unknown search key ${name}`);
  }
}

/**
 * RFC 7162 §3.1.5: `MODSEQ [SP entry-name SP entry-type-req] SP mod-sequence-valzer`. We keep one
 * MODSEQ per message, not per flag (§3.1.5 allows that), so the entry is read and not used.
 */
function parseModSeq(reader: ArgReader): SearchKey {
  reader.space();
  if (reader.peek() === 0x22) {
    reader.string();
    reader.space();
    const type = reader.keyword();
    if (type !== 'PRIV' && type !== 'SHARED' && type !== 'ALL') throw reader.error('expected priv, shared or all');
    reader.space();
  }
  return { kind: 'modseq', modSeq: reader.modSeq() };
}
