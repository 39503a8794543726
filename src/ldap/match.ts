import { foldVietnamese } from '../text/index.js';
import type { Filter } from './filter.js';
import { canonicalAttribute, isKnownAttribute, type LdapEntry } from './tree.js';

/**
 * Filter evaluation (RFC 4511 §4.5.1.7): TRUE, FALSE or Undefined (null), with and/or/not over
 * the three values as §4.5.1.7 says. Every value is compared folded (case and Vietnamese marks
 * ignored), the one rule of the directory's search (src/text foldVietnamese).
 */

type Truth = boolean | null;

/** Outlook's Ambiguous Name Resolution: `(anr=x)` is x within a name or an address. */
const ANR_ATTRIBUTES = ['cn', 'displayName', 'givenName', 'sn', 'mail', 'uid'] as const;

export function matches(filter: Filter, entry: LdapEntry): Truth {
  switch (filter.kind) {
    case 'and': {
      let result: Truth = true;
      for (const f of filter.filters) {
        const r = matches(f, entry);
        if (r === false) return false;
        if (r === null) result = null;
      }
      return result;
    }
    case 'or': {
      let result: Truth = false;
      for (const f of filter.filters) {
        const r = matches(f, entry);
        if (r === true) return true;
        if (r === null) result = null;
      }
      return result;
    }
    case 'not': {
      const r = matches(filter.filter, entry);
      return r === null ? null : !r;
    }
    case 'present':
      return entry.folded.has(canonicalAttribute(filter.attribute));
    case 'equality':
      if (canonicalAttribute(filter.attribute) === 'anr') return anr(entry, foldVietnamese(filter.value));
      return compare(entry, filter.attribute, (v, x) => v === x, filter.value);
    case 'approx':
      // §4.5.1.7.6 leaves approximate matching to the server: folded, and blind to spacing.
      return compare(entry, filter.attribute, (v, x) => v.replace(/\s+/g, '') === x.replace(/\s+/g, ''), filter.value);
    case 'greaterOrEqual':
      return compare(entry, filter.attribute, (v, x) => v >= x, filter.value);
    case 'lessOrEqual':
      return compare(entry, filter.attribute, (v, x) => v <= x, filter.value);
    case 'substrings': {
      const attribute = canonicalAttribute(filter.attribute);
      const pieces = { initial: fold(filter.initial), any: filter.any.map(foldVietnamese), final: fold(filter.final) };
      if (attribute === 'anr') return anr(entry, [pieces.initial, ...pieces.any, pieces.final].filter((p) => p !== null).join(' '));
      const values = entry.folded.get(attribute);
      if (values === undefined) return isKnownAttribute(attribute) ? false : null;
      return values.some((v) => substringsMatch(v, pieces.initial, pieces.any, pieces.final));
    }
    case 'extensible':
      return null;
  }
}

function fold(text: string | null): string | null {
  return text === null ? null : foldVietnamese(text);
}

function compare(entry: LdapEntry, description: string, test: (value: string, asserted: string) => boolean, asserted: string): Truth {
  const attribute = canonicalAttribute(description);
  const values = entry.folded.get(attribute);
  // §4.5.1.7: a type the server does not know makes the assertion Undefined, one the entry lacks FALSE.
  if (values === undefined) return isKnownAttribute(attribute) ? false : null;
  const x = foldVietnamese(asserted);
  return values.some((v) => test(v, x));
}

function anr(entry: LdapEntry, text: string): boolean {
  const words = text.split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return false;
  return ANR_ATTRIBUTES.some((a) => (entry.folded.get(a) ?? []).some((v) => words.every((w) => v.includes(w))));
}

/** §4.5.1.7.2: initial at the start, each any after the previous piece, final at the end. */
function substringsMatch(value: string, initial: string | null, any: readonly string[], final: string | null): boolean {
  let position = 0;
  if (initial !== null) {
    if (!value.startsWith(initial)) return false;
    position = initial.length;
  }
  for (const piece of any) {
    const found = value.indexOf(piece, position);
    if (found < 0) return false;
    position = found + piece.length;
  }
  if (final !== null) return value.length - final.length >= position && value.endsWith(final);
  return true;
}
