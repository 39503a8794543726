import { foldVietnamese } from '../text/index.js';
import { localPartProblem, MAX_LOCAL_PART_LENGTH, type LocalPart } from './address.js';
import { DirectoryError } from './types.js';

/**
 * tên_sd generation from a Vietnamese full name (DESIGN.md "Data": family, middle, given; default
 * pattern `{given}{initials}`, so `Nguyễn Văn An` → `annv`). Vietnamese names are written family
 * first and the given name last; everything between is the middle name, which may be several words.
 */

export interface PersonName {
  /** As it will be shown: NFC, single spaces, capitals kept. */
  readonly display: string;
  /** Folded ASCII words (`nguyen`, `van`, `an`), family first. */
  readonly family: string;
  readonly middle: readonly string[];
  /** Empty for a one-word name, which is then the given name. */
  readonly given: string;
}

/** Letters and combining marks, with the joiners some names carry (`Hồ-Nguyễn`, `H'Hen`). */
const NAME_WORD = /^[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*$/u;

/** Splits and validates a full name; DirectoryError 'invalid-name' for empty, digits or symbols. */
export function parsePersonName(fullName: string): PersonName {
  const display = fullName.normalize('NFC').trim().split(/\s+/u).filter(Boolean).join(' ');
  if (display === '') throw new DirectoryError('invalid-name', 'the name is empty');
  const words = display.split(' ');
  const folded = words.map((word) => {
    if (!NAME_WORD.test(word)) {
      throw new DirectoryError('invalid-name', `invalid name ${JSON.stringify(display)}: "${word}" is not a word of letters`);
    }
    const ascii = foldVietnamese(word).replace(/['’-]/g, '');
    if (!/^[a-z]+$/.test(ascii)) {
      throw new DirectoryError('invalid-name', `invalid name ${JSON.stringify(display)}: "${word}" has letters that cannot be written in an address`);
    }
    return ascii;
  });
  const given = folded[folded.length - 1]!;
  if (folded.length === 1) return { display, family: '', middle: [], given };
  return { display, family: folded[0]!, middle: folded.slice(1, -1), given };
}

/**
 * The address a pattern makes from a name, before collisions: `{given}`, `{family}`, `{middle}`
 * (all middle words), `{initials}` (first letter of family and each middle word). Literal
 * separators in the pattern (`{given}.{family}`) are kept, but never doubled or left at an end
 * when a part is empty (a one-word name).
 */
export function localPartFromName(name: PersonName, pattern: string): LocalPart {
  const parts: Record<string, string> = {
    given: name.given,
    family: name.family,
    middle: name.middle.join(''),
    initials: [name.family, ...name.middle].map((w) => w.charAt(0)).join(''),
  };
  const raw = pattern
    .replace(/\{(given|family|middle|initials)\}/g, (_, key: string) => parts[key]!)
    .toLowerCase()
    .replace(/([._-])[._-]+/g, '$1')
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, MAX_LOCAL_PART_LENGTH)
    .replace(/[._-]+$/, '');
  const problem = localPartProblem(raw);
  if (problem !== null) {
    throw new DirectoryError('invalid-input', `naming.person pattern ${JSON.stringify(pattern)} makes ${JSON.stringify(raw)}, which ${problem}`);
  }
  return raw as LocalPart;
}

/**
 * The base itself when free, else the smallest free `base2`, `base3`, … (DESIGN.md: a collision
 * takes the smallest free number). The base is shortened when a suffix would pass 64 characters.
 */
export function firstFreeLocalPart(base: LocalPart, isTaken: (candidate: string) => boolean): LocalPart {
  if (!isTaken(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = String(n);
    const candidate = base.slice(0, MAX_LOCAL_PART_LENGTH - suffix.length).replace(/[._-]+$/, '') + suffix;
    if (!isTaken(candidate)) return candidate as LocalPart;
  }
}
