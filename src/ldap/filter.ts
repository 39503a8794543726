import { BerError, BerReader, type BerElement } from './ber.js';

/**
 * Search filters (RFC 4511 §4.5.1.7): decoded with a depth limit (a filter nested a thousand
 * levels deep is an attack, not an address-book lookup) and a limit on the number of terms.
 */

export const MAX_FILTER_DEPTH = 16;
export const MAX_FILTER_TERMS = 256;

export type Filter =
  | { readonly kind: 'and' | 'or'; readonly filters: readonly Filter[] }
  | { readonly kind: 'not'; readonly filter: Filter }
  | { readonly kind: 'equality' | 'approx' | 'greaterOrEqual' | 'lessOrEqual'; readonly attribute: string; readonly value: string }
  | { readonly kind: 'substrings'; readonly attribute: string; readonly initial: string | null; readonly any: readonly string[]; readonly final: string | null }
  | { readonly kind: 'present'; readonly attribute: string }
  /** extensibleMatch (§4.5.1.7.7): no matching rules are offered, so it evaluates to Undefined. */
  | { readonly kind: 'extensible' };

const FILTER_TAG = {
  and: 0xa0,
  or: 0xa1,
  not: 0xa2,
  equality: 0xa3,
  substrings: 0xa4,
  greaterOrEqual: 0xa5,
  lessOrEqual: 0xa6,
  present: 0x87,
  approx: 0xa8,
  extensible: 0xa9,
} as const;

/** SubstringFilter choices (§4.5.1.7.2). */
const SUBSTRING_TAG = { initial: 0x80, any: 0x81, final: 0x82 } as const;

export function decodeFilter(element: BerElement): Filter {
  const budget = { terms: 0 };
  return decode(element, 1, budget);
}

function decode(element: BerElement, depth: number, budget: { terms: number }): Filter {
  if (depth > MAX_FILTER_DEPTH) throw new BerError(`filter nested deeper than ${MAX_FILTER_DEPTH}`);
  if (++budget.terms > MAX_FILTER_TERMS) throw new BerError(`filter with more than ${MAX_FILTER_TERMS} terms`);
  const reader = new BerReader(element.value);
  switch (element.tag) {
    case FILTER_TAG.and:
    case FILTER_TAG.or: {
      const filters: Filter[] = [];
      while (!reader.done) filters.push(decode(reader.read(), depth + 1, budget));
      return { kind: element.tag === FILTER_TAG.and ? 'and' : 'or', filters };
    }
    case FILTER_TAG.not: {
      const filter = decode(reader.read(), depth + 1, budget);
      reader.end();
      return { kind: 'not', filter };
    }
    case FILTER_TAG.equality:
    case FILTER_TAG.greaterOrEqual:
    case FILTER_TAG.lessOrEqual:
    case FILTER_TAG.approx: {
      // AttributeValueAssertion (§4.1.8).
      const attribute = reader.readString();
      const value = reader.readString();
      reader.end();
      const kind = element.tag === FILTER_TAG.equality ? 'equality' : element.tag === FILTER_TAG.approx ? 'approx' : element.tag === FILTER_TAG.greaterOrEqual ? 'greaterOrEqual' : 'lessOrEqual';
      return { kind, attribute, value };
    }
    case FILTER_TAG.substrings:
      return decodeSubstrings(reader);
    case FILTER_TAG.present:
      return { kind: 'present', attribute: element.value.toString('utf8') };
    case FILTER_TAG.extensible:
      return { kind: 'extensible' };
    default:
      throw new BerError(`unknown filter choice 0x${element.tag.toString(16)}`);
  }
}

/** §4.5.1.7.2: at most one initial (first) and one final (last), any number of any, at least one. */
function decodeSubstrings(reader: BerReader): Filter {
  const attribute = reader.readString();
  const parts = reader.enter(0x30);
  reader.end();
  let initial: string | null = null;
  let final: string | null = null;
  const any: string[] = [];
  let count = 0;
  while (!parts.done) {
    const part = parts.read();
    const text = part.value.toString('utf8');
    if (part.tag === SUBSTRING_TAG.initial && count === 0) initial = text;
    else if (part.tag === SUBSTRING_TAG.any && final === null) any.push(text);
    else if (part.tag === SUBSTRING_TAG.final && final === null) final = text;
    else throw new BerError('substrings out of order');
    count++;
  }
  if (count === 0) throw new BerError('empty substrings filter');
  return { kind: 'substrings', attribute, initial, any, final };
}
