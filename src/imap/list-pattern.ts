/**
 * RFC 3501 §6.3.8 mailbox patterns of LIST and LSUB: "*" matches anything, "%" anything but the
 * hierarchy delimiter; the reference is prefixed to the pattern. INBOX matches in any case.
 */
import { MAILBOX_DELIMITER } from '../store/index.js';
import { canonicalMailboxName } from '../store/index.js';

export type NameMatcher = (name: string) => boolean;

export function compilePatterns(reference: string | null, patterns: ReadonlyArray<string | null>): NameMatcher {
  // A reference or pattern that is not modified UTF-7 (ArgReader.listPattern gives null) matches no name.
  if (reference === null) return () => false;
  const regexes = patterns.flatMap((pattern) => (pattern === null ? [] : [pattern])).map((pattern) => {
    // Spelled as the store spells names (NFC, INBOX in capitals), so a decomposed pattern matches too.
    const full = canonicalMailboxName(reference + pattern);
    const source = [...full]
      .map((c) => (c === '*' ? '.*' : c === '%' ? `[^${MAILBOX_DELIMITER}]*` : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
      .join('');
    return new RegExp(`^${source}$`, 'su');
  });
  return (name) => regexes.some((r) => r.test(name));
}
