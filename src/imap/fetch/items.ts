/**
 * RFC 3501 §6.4.5 FETCH data items (with RFC 7162 MODSEQ and the CHANGEDSINCE modifier, and RFC
 * 3516 §4.2 BINARY[…], BINARY.PEEK[…] and BINARY.SIZE[…]), read through ArgReader:
 *
 *   fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
 *           "(" fetch-att *(SP fetch-att) ")") [SP "(" fetch-modifier *(SP fetch-modifier) ")"]
 *
 * An item asked for twice is answered once: RFC 3501 §7.4.2 names each data item of a FETCH
 * response once (`BODY[TEXT]` for BODY[TEXT] and BODY.PEEK[TEXT] alike, the non-PEEK one winning
 * for \Seen), and imapflow keys the parsed response by item name anyway. Past MAX_ITEMS distinct
 * items the command is BAD, so a 32 KB command cannot ask for thousands of body sections.
 */
import type { ArgReader } from '../parser.js';
import { formatSection, type Section, type SectionText } from './section.js';

/** Distinct items one FETCH may name; real clients send fewer than twenty. */
export const MAX_ITEMS = 100;

/** Items named by one word (BODY here is the non-extensible structure, not BODY[…]). */
const SIMPLE_ITEMS = [
  'UID',
  'FLAGS',
  'INTERNALDATE',
  'RFC822.SIZE',
  'ENVELOPE',
  'BODYSTRUCTURE',
  'BODY',
  'MODSEQ',
  'RFC822',
  'RFC822.HEADER',
  'RFC822.TEXT',
] as const;
type SimpleItem = (typeof SIMPLE_ITEMS)[number];
const isSimpleItem = (name: string): name is SimpleItem => (SIMPLE_ITEMS as readonly string[]).includes(name);

export type FetchItem =
  | { readonly kind: SimpleItem }
  /** BODY[section]<origin.count> and BODY.PEEK[…]. */
  | {
      readonly kind: 'BODY[]';
      readonly section: Section;
      readonly peek: boolean;
      readonly partial: { readonly origin: number; readonly count: number } | null;
    }
  /** RFC 3516 §4.2 BINARY[section-part]<origin.count> and BINARY.PEEK[…]: the part's content, CTE decoded. */
  | {
      readonly kind: 'BINARY[]';
      readonly part: readonly number[];
      readonly peek: boolean;
      readonly partial: { readonly origin: number; readonly count: number } | null;
    }
  /** RFC 3516 §4.2 BINARY.SIZE[section-part]: the octets BINARY[…] would return. */
  | { readonly kind: 'BINARY.SIZE'; readonly part: readonly number[] };

export interface FetchRequest {
  readonly items: readonly FetchItem[];
  /** The kinds among `items`, for the implied ones (UID in UID FETCH, FLAGS after \Seen is set). */
  readonly kinds: ReadonlySet<FetchItem['kind']>;
  /** RFC 7162 §3.1.4 CHANGEDSINCE: only messages whose MODSEQ is above it. */
  readonly changedSince: number | null;
  /** RFC 7162 §3.2.6 VANISHED: UID FETCH also reports the UIDs of the set expunged since CHANGEDSINCE. */
  readonly vanished: boolean;
}

/** RFC 3501 §6.4.5 macros. */
const MACROS: Readonly<Record<string, readonly SimpleItem[]>> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

const isNameChar = (b: number): boolean =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2e;

/** Reads the items and modifiers after the sequence set (`reader` is at the space before them). */
export function parseFetchItems(reader: ArgReader): FetchRequest {
  reader.space();
  let items: FetchItem[];
  if (reader.peek() === 0x28) {
    items = reader.list(() => parseItem(reader), false);
  } else {
    // A macro stands alone, never inside the list.
    const name = readName(reader);
    const kinds = MACROS[name];
    items = kinds ? kinds.map((kind) => ({ kind })) : [itemNamed(reader, name)];
  }
  let changedSince: number | null = null;
  let vanished = false;
  if (!reader.atEnd()) {
    reader.space();
    reader.list(() => {
      const modifier = reader.keyword();
      if (modifier === 'VANISHED') vanished = true;
      else if (modifier === 'CHANGEDSINCE') {
        reader.space();
        changedSince = reader.modSeq();
      } else throw reader.error(`unknown FETCH modifier ${modifier}`);
    }, false);
    // RFC 7162 §3.2.6: VANISHED only together with CHANGEDSINCE.
    if (vanished && changedSince === null) throw reader.error('VANISHED needs CHANGEDSINCE');
  }
  reader.end();
  return requestOf(reader, items, changedSince, vanished);
}

/** RFC 5465 §8 `"(" fetch-att *(SP fetch-att) ")"` of NOTIFY's MessageNew: the same items, no macro, no modifier. */
export function parseFetchAttList(reader: ArgReader): FetchRequest {
  return requestOf(reader, reader.list(() => parseItem(reader), false), null, false);
}

function requestOf(reader: ArgReader, items: readonly FetchItem[], changedSince: number | null, vanished: boolean): FetchRequest {
  const distinct = distinctItems(items);
  if (distinct.length > MAX_ITEMS) throw reader.error(`too many FETCH items (at most ${MAX_ITEMS} different ones)`);
  return { items: distinct, kinds: new Set(distinct.map((item) => item.kind)), changedSince, vanished };
}

/** The response name an item is answered under (with the partial's length, which the name omits). */
function responseKey(item: FetchItem): string {
  const partial = 'partial' in item && item.partial ? `<${item.partial.origin}.${item.partial.count}>` : '';
  if (item.kind === 'BODY[]') return `BODY[${formatSection(item.section)}]${partial}`;
  if (item.kind === 'BINARY[]') return `BINARY[${item.part.join('.')}]${partial}`;
  if (item.kind === 'BINARY.SIZE') return `BINARY.SIZE[${item.part.join('.')}]`;
  return item.kind;
}

/** Each item once, in the order first asked; BODY[…] and BODY.PEEK[…] of one section merge into BODY[…]. */
function distinctItems(items: readonly FetchItem[]): FetchItem[] {
  const byKey = new Map<string, FetchItem>();
  for (const item of items) {
    const key = responseKey(item);
    const earlier = byKey.get(key);
    if (!earlier) byKey.set(key, item);
    else if ('peek' in earlier && 'peek' in item && earlier.peek && !item.peek) byKey.set(key, item);
  }
  return [...byKey.values()];
}

const readName = (reader: ArgReader): string => reader.readWhile(isNameChar, 'a fetch item').toUpperCase();

function parseItem(reader: ArgReader): FetchItem {
  return itemNamed(reader, readName(reader));
}

function itemNamed(reader: ArgReader, name: string): FetchItem {
  if (reader.peek() === 0x5b && (name === 'BODY' || name === 'BODY.PEEK')) {
    const section = parseSection(reader);
    return { kind: 'BODY[]', section, peek: name === 'BODY.PEEK', partial: parsePartial(reader) };
  }
  if (reader.peek() === 0x5b && (name === 'BINARY' || name === 'BINARY.PEEK')) {
    const part = parseSectionBinary(reader);
    return { kind: 'BINARY[]', part, peek: name === 'BINARY.PEEK', partial: parsePartial(reader) };
  }
  // RFC 3516 §4.2: BINARY.SIZE takes no partial.
  if (reader.peek() === 0x5b && name === 'BINARY.SIZE') return { kind: 'BINARY.SIZE', part: parseSectionBinary(reader) };
  if (!isSimpleItem(name)) throw reader.error(`unknown fetch item ${name.slice(0, 40)}`);
  return { kind: name };
}

/** RFC 3516 §6 section-binary = "[" [section-part] "]"; section-part = nz-number *("." nz-number). */
function parseSectionBinary(reader: ArgReader): number[] {
  reader.expect('[');
  const part: number[] = [];
  if (reader.take(']')) return part;
  do part.push(reader.nzNumber());
  while (reader.take('.'));
  reader.expect(']');
  return part;
}

/** section = "[" [section-spec] "]" (RFC 3501 §9). */
export function parseSection(reader: ArgReader): Section {
  reader.expect('[');
  if (reader.take(']')) return { part: [], text: null };
  const words = reader.readWhile(isNameChar, 'a section').split('.');
  if (words.includes('')) throw reader.error('empty part of a section');
  const part: number[] = [];
  while (words.length > 0 && /^[0-9]+$/.test(words[0]!)) {
    const n = Number(words.shift());
    if (n === 0 || n > 0xffffffff) throw reader.error('section part numbers start at 1');
    part.push(n);
  }
  const text = parseSectionText(reader, words.join('.').toUpperCase(), part.length > 0);
  reader.expect(']');
  return { part, text };
}

function parseSectionText(reader: ArgReader, name: string, afterPart: boolean): SectionText | null {
  switch (name) {
    case '':
      if (!afterPart) throw reader.error('empty section text');
      return null;
    case 'HEADER':
    case 'TEXT':
      return { kind: name };
    case 'MIME':
      // RFC 3501 §9 section-text: MIME only follows a part number.
      if (!afterPart) throw reader.error('MIME needs a part number');
      return { kind: 'MIME' };
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT':
      reader.space();
      return { kind: 'HEADER.FIELDS', not: name.endsWith('.NOT'), fields: reader.list(() => headerFieldName(reader), false) };
    default:
      throw reader.error(`unknown section ${name}`);
  }
}

/**
 * header-fld-name = astring; the response repeats it as an atom, so it must be one: RFC 5322 §3.6.8
 * field names are printable ASCII anyway, and none of the real ones has an atom-special.
 */
function headerFieldName(reader: ArgReader): string {
  const name = reader.astringText();
  if (!/^[\x21-\x7e]+$/.test(name) || /[(){%*"\\\]:]/.test(name)) throw reader.error('not a header field name');
  return name;
}

/** partial = "<" number "." nz-number ">". */
function parsePartial(reader: ArgReader): { origin: number; count: number } | null {
  if (!reader.take('<')) return null;
  const origin = reader.number();
  reader.expect('.');
  const count = reader.nzNumber();
  reader.expect('>');
  return { origin, count };
}
