import { TimeSlices } from '../limits/index.js';
import { foldVietnamese } from '../text/index.js';
import { requireUnit, type DirectoryContext } from './context.js';
import type { UnitRecord } from './records.js';

/**
 * Search of the city's directory (danh bạ) by name, unit, title and address, insensitive to
 * diacritics and case: `nguyen van an` finds `Nguyễn Văn Ân`, `so tt` finds `Sở Thông tin và
 * Truyền thông`. Each word of the query must begin a word of one of the fields; results come
 * with the best name matches first, then in Vietnamese order (by given name, as a Vietnamese
 * directory is read).
 */

/** One line of the directory as the web page and the vCard export show it. */
export interface DirectoryEntry {
  readonly kind: 'person' | 'unit';
  /** Full address, lowercase: `annv@cantho.gov.vn`. */
  readonly address: string;
  /** Full name of the person or unit. */
  readonly name: string;
  /** The person's unit; for a unit, null. */
  readonly unit: { readonly address: string; readonly name: string } | null;
  readonly title: string | null;
  readonly phone: string | null;
}

export const DEFAULT_SEARCH_LIMIT = 100;

/**
 * The directory as officials see it: every unit and every person still in service (a retired
 * person is no longer in the directory, though the address stays taken). With `unit` (its tên_sd
 * or address): that unit and its members only; DirectoryError 'unknown-unit'.
 */
export function listDirectoryEntries(ctx: DirectoryContext, unit?: string): DirectoryEntry[] {
  const units = unit === undefined ? ctx.records.units() : [requireUnit(ctx, unit)];
  // With one unit, every listed person belongs to it, so `units` covers them all.
  const unitsById = new Map<number, UnitRecord>(units.map((u) => [u.id, u]));
  const unitEntry = (u: UnitRecord): DirectoryEntry['unit'] => ({ address: ctx.records.accountOf(u), name: u.name });
  const persons = ctx.records.persons(unit === undefined ? undefined : units[0]?.id).filter((p) => p.status === 'active');
  return [
    ...units.map((u): DirectoryEntry => ({ kind: 'unit', address: ctx.records.accountOf(u), name: u.name, unit: null, title: null, phone: null })),
    ...persons.map((p): DirectoryEntry => {
      const own = unitsById.get(p.unitId);
      return {
        kind: 'person',
        address: ctx.records.accountOf(p),
        name: p.fullName,
        unit: own ? unitEntry(own) : null,
        title: p.title,
        phone: p.phone,
      };
    }),
  ];
}

/**
 * What the address books (LDAP, CardDAV) list: the entries without the suspended units and their
 * members (Điều 10: a suspended unit is out of the directory until resumed).
 */
export function withoutSuspendedUnits(entries: readonly DirectoryEntry[], suspendedUnits: ReadonlySet<string>): DirectoryEntry[] {
  return entries.filter((e) => !suspendedUnits.has(e.kind === 'unit' ? e.address : (e.unit?.address ?? '')));
}

/** The words of a text, folded: "Nguyễn Văn Ân" → ["nguyen", "van", "an"], "annv@cantho.gov.vn" → ["annv", "cantho", "gov", "vn"]. */
export function searchWords(text: string): string[] {
  return foldVietnamese(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}

interface Indexed {
  readonly entry: DirectoryEntry;
  readonly nameWords: readonly string[];
  /** The name's words joined by one space: compared whole with the query's. */
  readonly nameKey: string;
  readonly otherWords: readonly string[];
}

function index(entry: DirectoryEntry): Indexed {
  const nameWords = searchWords(entry.name);
  return {
    entry,
    nameWords,
    nameKey: nameWords.join(' '),
    otherWords: [entry.unit?.name ?? '', entry.title ?? '', entry.address].flatMap(searchWords),
  };
}

const beginsAWord = (words: readonly string[], token: string): boolean => words.some((w) => w.startsWith(token));

/**
 * 3: the query is the whole name; 2: every query word begins a word of the name; 1: every query
 * word begins a word of some field; 0: no match.
 */
function score(item: Indexed, tokens: readonly string[], phrase: string): number {
  if (item.nameKey === phrase) return 3;
  if (tokens.every((t) => beginsAWord(item.nameWords, t))) return 2;
  if (tokens.every((t) => beginsAWord(item.nameWords, t) || beginsAWord(item.otherWords, t))) return 1;
  return 0;
}

const collator = new Intl.Collator('vi', { sensitivity: 'base' });

/** What Vietnamese order sorts a person by first: the given name (the last word); a unit by its name. */
function givenNameOf(e: DirectoryEntry): string {
  return e.kind === 'person' ? (e.name.trim().split(/\s+/).pop() ?? '') : e.name;
}

/** Vietnamese order: a person by given name, then the full name; units by name. `given`: givenNameOf each, when already known. */
export function compareEntries(a: DirectoryEntry, b: DirectoryEntry, given: readonly [string, string] = [givenNameOf(a), givenNameOf(b)]): number {
  return collator.compare(given[0], given[1]) || collator.compare(a.name, b.name) || a.address.localeCompare(b.address);
}

/**
 * The directory folded and sorted once, searched many times: folding (NFD) and Vietnamese
 * collation are the expensive steps, so a search is one pass of prefix comparisons over
 * pre-folded words, with results already in order within each score.
 */
export class DirectorySearchIndex {
  /** Every entry, in Vietnamese order. */
  readonly entries: readonly DirectoryEntry[];

  private constructor(private readonly items: readonly Indexed[]) {
    this.entries = items.map((item) => item.entry);
  }

  /**
   * Folds every entry in time slices with the event loop free between them (docs/architecture.md
   * invariant 2: a city's directory holds thousands of entries, and the web shares the event loop
   * with IMAP and SMTP), then sorts them once, each given name found once rather than at every comparison.
   */
  static async build(entries: readonly DirectoryEntry[]): Promise<DirectorySearchIndex> {
    const slices = new TimeSlices();
    const keyed: Array<{ readonly item: Indexed; readonly given: string }> = [];
    for (const entry of entries) {
      await slices.pause();
      keyed.push({ item: index(entry), given: givenNameOf(entry) });
    }
    keyed.sort((a, b) => compareEntries(a.item.entry, b.item.entry, [a.given, b.given]));
    return new DirectorySearchIndex(keyed.map((k) => k.item));
  }

  /** Entries matching every word of `query`, best first, at most `limit`. An empty query finds nothing. */
  search(query: string, limit = DEFAULT_SEARCH_LIMIT): DirectoryEntry[] {
    const tokens = searchWords(query);
    if (tokens.length === 0) return [];
    const phrase = tokens.join(' ');
    const byScore: DirectoryEntry[][] = [[], [], []];
    for (const item of this.items) {
      const s = score(item, tokens, phrase);
      if (s > 0) byScore[3 - s]!.push(item.entry);
    }
    return byScore.flat().slice(0, limit);
  }
}
