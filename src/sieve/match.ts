import type { Comparator, Match, Relation } from './program.js';
import type { RunBudget } from './budget.js';

/** RFC 5229 §3.2: what a successful :matches captured: ${0} the whole value, then one string per wildcard. */
export type MatchCaptures = readonly string[];

/**
 * RFC 5228 §2.7 matching of a list of values against a key list (RFC 5231 :value and :count
 * included). Every comparison spends from the run's budget in proportion to the work it does, so
 * `:matches "*a*a*a*…"` on a 64 KB header ends the run (implicit keep) instead of holding a
 * thread. `onCaptures` hears the wildcards' strings of the first successful :matches.
 */
export function matchesAny(values: readonly string[], match: Match, budget: RunBudget, onCaptures?: (captures: MatchCaptures) => void): boolean {
  if (match.type === 'count') {
    // RFC 5231 §4.1: the number of values, compared as a string of digits with the test's comparator.
    const count = String(values.length);
    return match.keys.some((key) => related(compare(count, key, match.comparator, budget), match.relation!));
  }
  for (const value of values) {
    const subject = normalise(value, match.comparator);
    for (const key of match.keys) {
      if (match.type === 'value') {
        if (related(compare(value, key, match.comparator, budget), match.relation!)) return true;
      } else if (match.type === 'matches') {
        const positions = globMatch(subject, normalise(key, match.comparator), budget);
        if (positions) {
          onCaptures?.(capturesOf(value, positions));
          return true;
        }
      } else if (matchOne(subject, normalise(key, match.comparator), match.type, match.comparator, budget)) return true;
    }
  }
  return false;
}

/** RFC 4790 §9.2 i;ascii-casemap folds only A–Z; i;octet compares bytes as they are. Both keep the length. */
function normalise(text: string, comparator: Comparator): string {
  return comparator === 'i;octet' ? text : text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

function matchOne(subject: string, key: string, type: 'is' | 'contains', comparator: Comparator, budget: RunBudget): boolean {
  budget.spend(1 + (type === 'is' ? 0 : subject.length));
  // RFC 4790 §9.1: i;ascii-numeric offers equality only (compile-tests.ts refuses :contains with it).
  if (comparator === 'i;ascii-numeric') return compareNumeric(subject, key) === 0;
  return type === 'is' ? subject === key : subject.includes(key);
}

/** RFC 5231 §5: the order of two strings under a comparator (RFC 4790 §9). */
function compare(a: string, b: string, comparator: Comparator, budget: RunBudget): number {
  budget.spend(1 + Math.min(a.length, b.length));
  if (comparator === 'i;ascii-numeric') return compareNumeric(a, b);
  // RFC 4790 §9.2: i;ascii-casemap orders the strings with a–z mapped to A–Z.
  const x = comparator === 'i;octet' ? a : a.replace(/[a-z]+/g, (s) => s.toUpperCase());
  const y = comparator === 'i;octet' ? b : b.replace(/[a-z]+/g, (s) => s.toUpperCase());
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * RFC 4790 §9.1 i;ascii-numeric: the value of the leading digits; a string that does not start
 * with a digit is positive infinity (equal to every other such string). Compared as digit strings,
 * so no length of digits loses precision.
 */
function compareNumeric(a: string, b: string): number {
  const x = leadingNumber(a);
  const y = leadingNumber(b);
  if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function leadingNumber(text: string): string | null {
  const digits = /^[0-9]+/.exec(text)?.[0];
  if (digits === undefined) return null;
  return digits.replace(/^0+(?=.)/, '');
}

function related(order: number, relation: Relation): boolean {
  switch (relation) {
    case 'gt':
      return order > 0;
    case 'ge':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'le':
      return order <= 0;
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
  }
}

const STAR = Symbol('*');
const ANY = Symbol('?');
type GlobToken = string | typeof STAR | typeof ANY;

/**
 * RFC 5228 §2.7.1 :matches: `*` any run of characters, `?` one character, `\` escapes the next.
 * Each `*` takes as little as it can, backing off to the last `*` (no recursion), which gives
 * RFC 5229 §3.2's captures ("[*] *" on "[a] [b] c" captures "a" and "[b] c"); each back-off spends
 * from the budget. Returns each token's start in the subject, or null.
 */
function globMatch(subject: string, pattern: string, budget: RunBudget): { tokens: GlobToken[]; starts: number[] } | null {
  const tokens = globTokens(pattern);
  const starts: number[] = new Array<number>(tokens.length).fill(0);
  let s = 0;
  let t = 0;
  let starToken = -1;
  let starSubject = 0;
  while (s < subject.length) {
    const token = tokens[t];
    if (token === STAR) {
      starts[t] = s;
      starToken = t++;
      starSubject = s;
    } else if (token !== undefined && (token === ANY || token === subject[s])) {
      starts[t++] = s++;
    } else if (starToken >= 0) {
      budget.spend(t - starToken);
      t = starToken + 1;
      s = ++starSubject;
    } else return null;
  }
  while (tokens[t] === STAR) starts[t++] = s;
  return t === tokens.length ? { tokens, starts } : null;
}

/** RFC 5229 §3.2: ${0} is the whole value; ${1}… are what each `*` and `?` matched, from the left. */
function capturesOf(value: string, match: { tokens: GlobToken[]; starts: number[] }): MatchCaptures {
  const captures = [value];
  match.tokens.forEach((token, i) => {
    if (token === ANY) captures.push(value.slice(match.starts[i], match.starts[i]! + 1));
    else if (token === STAR) captures.push(value.slice(match.starts[i], i + 1 < match.tokens.length ? match.starts[i + 1] : value.length));
  });
  return captures;
}

function globTokens(pattern: string): GlobToken[] {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) tokens.push(pattern[++i]!);
    else if (c === '*') {
      if (tokens[tokens.length - 1] !== STAR) tokens.push(STAR);
    } else tokens.push(c === '?' ? ANY : c);
  }
  return tokens;
}
