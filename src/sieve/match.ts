import type { Comparator, Match } from './program.js';
import type { RunBudget } from './budget.js';

/**
 * RFC 5228 §2.7 matching of one value against a key list. Every comparison spends from the run's
 * budget in proportion to the work it does, so `:matches "*a*a*a*…"` on a 64 KB header ends the
 * run (implicit keep) instead of holding a thread.
 */
export function matchesAny(values: readonly string[], match: Match, budget: RunBudget): boolean {
  for (const value of values) {
    const subject = normalise(value, match.comparator);
    for (const key of match.keys) if (matchOne(subject, normalise(key, match.comparator), match.type, budget)) return true;
  }
  return false;
}

/** RFC 4790 §9.2 i;ascii-casemap folds only A–Z; i;octet compares bytes as they are. */
function normalise(text: string, comparator: Comparator): string {
  return comparator === 'i;octet' ? text : text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

function matchOne(subject: string, key: string, type: Match['type'], budget: RunBudget): boolean {
  budget.spend(1 + (type === 'is' ? 0 : subject.length));
  if (type === 'is') return subject === key;
  if (type === 'contains') return subject.includes(key);
  return globMatch(subject, key, budget);
}

/**
 * RFC 5228 §2.7.1 :matches: `*` any run of characters, `?` one character, `\` escapes the next.
 * Greedy with back-off to the last `*` (no recursion); each back-off spends from the budget.
 */
function globMatch(subject: string, pattern: string, budget: RunBudget): boolean {
  const tokens = globTokens(pattern);
  let s = 0;
  let t = 0;
  let starToken = -1;
  let starSubject = 0;
  while (s < subject.length) {
    const token = tokens[t];
    if (token === STAR) {
      starToken = t++;
      starSubject = s;
    } else if (token !== undefined && (token === ANY || token === subject[s])) {
      s++;
      t++;
    } else if (starToken >= 0) {
      budget.spend(t - starToken);
      t = starToken + 1;
      s = ++starSubject;
    } else return false;
  }
  while (tokens[t] === STAR) t++;
  return t === tokens.length;
}

const STAR = Symbol('*');
const ANY = Symbol('?');

function globTokens(pattern: string): Array<string | typeof STAR | typeof ANY> {
  const tokens: Array<string | typeof STAR | typeof ANY> = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) tokens.push(pattern[++i]!);
    else if (c === '*') {
      if (tokens[tokens.length - 1] !== STAR) tokens.push(STAR);
    } else tokens.push(c === '?' ? ANY : c);
  }
  return tokens;
}
