import { foldVietnamese } from '../../text/index.js';
import type { Card } from './address-books.js';
import { DavError } from './errors.js';
import { CARDDAV } from './multistatus.js';
import { child, childrenNamed, type XmlElement } from './xml-reader.js';

/**
 * The `<C:filter>` of an addressbook-query (RFC 6352 §10.5) and its test against a card.
 * Property values are read from the card's own text (its unfolded lines, RFC 6350 §3.2), so a
 * filter sees exactly what the client will get. Collations (RFC 6352 §8.3): i;unicode-casemap,
 * the default, compares as the directory's search does, case and Vietnamese marks folded
 * (src/text foldVietnamese: `nguyen` finds `Nguyễn`); i;ascii-casemap folds ASCII letters only;
 * i;octet compares exactly. Parameter filters are not supported (403 supported-filter, §10.5.2).
 */

type MatchType = 'equals' | 'contains' | 'starts-with' | 'ends-with';
type Collation = 'i;unicode-casemap' | 'i;ascii-casemap' | 'i;octet';

interface TextMatch {
  readonly folded: string;
  readonly collation: Collation;
  readonly matchType: MatchType;
  readonly negate: boolean;
}

interface PropFilter {
  readonly name: string;
  readonly allOf: boolean;
  readonly isNotDefined: boolean;
  readonly textMatches: readonly TextMatch[];
}

export interface QueryFilter {
  readonly allOf: boolean;
  readonly propFilters: readonly PropFilter[];
}

const MATCH_TYPES: ReadonlySet<string> = new Set(['equals', 'contains', 'starts-with', 'ends-with']);
const COLLATIONS: ReadonlySet<string> = new Set(['i;unicode-casemap', 'i;ascii-casemap', 'i;octet']);

const unsupportedFilter = (why: string): DavError => new DavError(403, why, { ns: CARDDAV, name: 'supported-filter' });

/** §10.5: `test` is anyof unless it says allof. */
function allOf(element: XmlElement): boolean {
  const test = element.attributes.get('test') ?? 'anyof';
  if (test !== 'anyof' && test !== 'allof') throw new DavError(400, `test="${test}" is neither anyof nor allof`);
  return test === 'allof';
}

export function readFilter(element: XmlElement | undefined): QueryFilter {
  if (element === undefined) return { allOf: false, propFilters: [] };
  return { allOf: allOf(element), propFilters: childrenNamed(element, CARDDAV, 'prop-filter').map(readPropFilter) };
}

function readPropFilter(element: XmlElement): PropFilter {
  const name = element.attributes.get('name');
  if (name === undefined || name === '') throw new DavError(400, 'prop-filter without a name');
  if (child(element, CARDDAV, 'param-filter')) throw unsupportedFilter('param-filter is not supported');
  return {
    name: name.toUpperCase(),
    allOf: allOf(element),
    isNotDefined: child(element, CARDDAV, 'is-not-defined') !== undefined,
    textMatches: childrenNamed(element, CARDDAV, 'text-match').map(readTextMatch),
  };
}

function readTextMatch(element: XmlElement): TextMatch {
  const collation = element.attributes.get('collation') ?? 'i;unicode-casemap';
  // §8.3: a collation the server does not know fails the supported-collation precondition.
  if (!COLLATIONS.has(collation)) throw new DavError(403, `collation ${collation} is not supported`, { ns: CARDDAV, name: 'supported-collation' });
  const matchType = element.attributes.get('match-type') ?? 'contains';
  if (!MATCH_TYPES.has(matchType)) throw unsupportedFilter(`match-type ${matchType} is not supported`);
  return {
    folded: fold(element.text, collation as Collation),
    collation: collation as Collation,
    matchType: matchType as MatchType,
    negate: element.attributes.get('negate-condition') === 'yes',
  };
}

function fold(text: string, collation: Collation): string {
  if (collation === 'i;unicode-casemap') return foldVietnamese(text);
  if (collation === 'i;ascii-casemap') return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return text;
}

export function cardMatches(filter: QueryFilter, card: Card): boolean {
  if (filter.propFilters.length === 0) return true;
  const values = propertyValues(card);
  const test = (f: PropFilter): boolean => propFilterMatches(f, values.get(f.name));
  return filter.allOf ? filter.propFilters.every(test) : filter.propFilters.some(test);
}

/** §10.5.1: is-not-defined, else defined and (when given) the text-matches combined by `test`. */
function propFilterMatches(filter: PropFilter, values: readonly string[] | undefined): boolean {
  if (filter.isNotDefined) return values === undefined;
  if (values === undefined) return false;
  if (filter.textMatches.length === 0) return true;
  const test = (m: TextMatch): boolean => values.some((v) => textMatches(m, v)) !== m.negate;
  return filter.allOf ? filter.textMatches.every(test) : filter.textMatches.some(test);
}

function textMatches(match: TextMatch, value: string): boolean {
  const folded = fold(value, match.collation);
  switch (match.matchType) {
    case 'equals':
      return folded === match.folded;
    case 'contains':
      return folded.includes(match.folded);
    case 'starts-with':
      return folded.startsWith(match.folded);
    case 'ends-with':
      return folded.endsWith(match.folded);
  }
}

const valuesCache = new WeakMap<Card, ReadonlyMap<string, readonly string[]>>();

/** Property name (upper case, group dropped) → its values as text, backslash escapes undone (RFC 6350 §3.4). */
function propertyValues(card: Card): ReadonlyMap<string, readonly string[]> {
  let values = valuesCache.get(card);
  if (values === undefined) {
    const map = new Map<string, string[]>();
    for (const line of card.vcard.replace(/\r\n[ \t]/g, '').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).split(';')[0]!.replace(/^.*\./, '').toUpperCase();
      if (name === 'BEGIN' || name === 'END' || name === 'VERSION') continue;
      const value = line.slice(colon + 1).replace(/\\([\\,;nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
      const list = map.get(name);
      if (list) list.push(value);
      else map.set(name, [value]);
    }
    values = map;
    valuesCache.set(card, values);
  }
  return values;
}
