import { StoreError, type Flag, type FlagOperation } from './types.js';

/**
 * How flags are kept in a `messages` row: the five RFC 3501 §2.3.2 system flags as a bit set
 * (so "unseen" and "\Deleted" are integer tests in SQL), keywords as a space-separated string.
 * Flags and keywords match case-insensitively; a keyword keeps the spelling it was first set with.
 */
const SYSTEM_FLAGS = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'] as const;

export const SEEN_BIT = 1;
export const DELETED_BIT = 8;

const BIT_BY_NAME = new Map<string, number>(SYSTEM_FLAGS.map((name, index) => [name.toLowerCase(), 1 << index]));

export interface StoredFlags {
  readonly system: number;
  readonly keywords: string;
}

/** Validated flags of a request, split the way they are stored. */
export interface FlagSet {
  readonly system: number;
  /** Lowercase keyword → spelling as given. */
  readonly keywords: ReadonlyMap<string, string>;
}

/**
 * RFC 3501 §2.3.2: `\Recent` is session state, never stored, so it is dropped here; any other
 * backslash name is a flag-extension no standard defines, refused rather than kept as a keyword.
 */
export function parseFlags(flags: readonly Flag[]): FlagSet {
  let system = 0;
  const keywords = new Map<string, string>();
  for (const flag of flags) {
    const lower = flag.toLowerCase();
    if (lower === '\\recent') continue;
    const bit = BIT_BY_NAME.get(lower);
    if (bit !== undefined) {
      system |= bit;
    } else if (flag.startsWith('\\')) {
      throw new StoreError('cannot', `unknown system flag ${flag}`);
    } else if (!/^[\x21-\x7e]+$/.test(flag) || /[(){%*"\\\]]/.test(flag)) {
      // RFC 3501 §9: a keyword is an atom — printable ASCII without atom-specials.
      throw new StoreError('cannot', `invalid keyword ${JSON.stringify(flag)}`);
    } else if (!keywords.has(lower)) {
      keywords.set(lower, flag);
    }
  }
  return { system, keywords };
}

export function storedFromFlagSet(set: FlagSet): StoredFlags {
  return { system: set.system, keywords: [...set.keywords.values()].join(' ') };
}

/** Applies a STORE operation to a row's flags; returns the same object when nothing changes. */
export function applyFlagOperation(current: StoredFlags, operation: FlagOperation, change: FlagSet): StoredFlags {
  const keywords = current.keywords === '' ? [] : current.keywords.split(' ');
  let system: number;
  let next: string[];
  switch (operation) {
    case 'set':
      system = change.system;
      next = [...change.keywords.values()];
      break;
    case 'add': {
      system = current.system | change.system;
      const present = new Set(keywords.map((keyword) => keyword.toLowerCase()));
      next = [...keywords];
      for (const [lower, spelled] of change.keywords) if (!present.has(lower)) next.push(spelled);
      break;
    }
    case 'remove':
      system = current.system & ~change.system;
      next = keywords.filter((keyword) => !change.keywords.has(keyword.toLowerCase()));
      break;
  }
  const joined = next.join(' ');
  return system === current.system && joined === current.keywords ? current : { system, keywords: joined };
}

/**
 * Flag lists for rows, shared between rows with the same flags: a mailbox of 10,000 messages
 * has a handful of distinct combinations, so listMessages builds each array once.
 */
export class FlagListCache {
  private readonly lists = new Map<string, readonly Flag[]>();

  get(system: number, keywords: string): readonly Flag[] {
    const key = `${system} ${keywords}`;
    let list = this.lists.get(key);
    if (list === undefined) {
      const flags: Flag[] = SYSTEM_FLAGS.filter((_, index) => (system & (1 << index)) !== 0);
      if (keywords !== '') flags.push(...keywords.split(' '));
      list = Object.freeze(flags);
      // Keywords are client-chosen: bound the cache so odd clients cannot grow it forever.
      if (this.lists.size >= 4096) this.lists.clear();
      this.lists.set(key, list);
    }
    return list;
  }
}
