import type { DirectoryRecords, PersonRecord, UnitRecord } from './records.js';
import { ALL_RIGHTS, DirectoryError, type Rights } from './types.js';

/**
 * RFC 4314 §2.1.1: the RFC 2086 letters still arrive from old clients and admins' habits; "c"
 * stands for "k" and "d" for "t" and "e". We leave "x" (delete the mailbox itself) out of "d",
 * so deleting a unit's folder is always granted explicitly.
 */
const OBSOLETE: Readonly<Record<string, string>> = { c: 'k', d: 'te' };

/** Validates a rights string and writes it in the canonical order `lrswipkxtea`, each letter once. */
export function normalizeRights(text: string): Rights {
  const letters = new Set<string>();
  for (const letter of text) {
    const expanded = OBSOLETE[letter] ?? letter;
    for (const right of expanded) {
      if (!ALL_RIGHTS.includes(right)) {
        throw new DirectoryError('invalid-rights', `invalid rights ${JSON.stringify(text)}: letters are "${ALL_RIGHTS}" (RFC 4314)`);
      }
      letters.add(right);
    }
  }
  if (letters.size === 0) throw new DirectoryError('invalid-rights', 'the rights are empty');
  return [...ALL_RIGHTS].filter((right) => letters.has(right)).join('');
}

/** A person's rights on a unit's mailboxes: all for its head, else their delegation's (docs/architecture.md "Unit mailboxes"). */
export function rightsOnUnit(records: DirectoryRecords, person: PersonRecord, unit: UnitRecord): Rights {
  if (unit.headPersonId === person.id) return ALL_RIGHTS;
  return records.delegation(unit.id, person.id)?.rights ?? '';
}
