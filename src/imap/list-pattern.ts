/**
 * RFC 3501 §6.3.8 mailbox patterns of LIST and LSUB: "*" matches anything, "%" anything but the
 * hierarchy delimiter; the reference is prefixed to the pattern. INBOX matches in any case.
 */
import { MAILBOX_DELIMITER } from '../store/types.js';
import { normaliseInbox } from './parser.js';

export type NameMatcher = (name: string) => boolean;

export function compilePatterns(reference: string, patterns: readonly string[]): NameMatcher {
  const regexes = patterns.map((pattern) => {
    const full = normaliseInbox(reference + pattern);
    const source = [...full]
      .map((c) => (c === '*' ? '.*' : c === '%' ? `[^${MAILBOX_DELIMITER}]*` : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
      .join('');
    return new RegExp(`^${source}$`, 'su');
  });
  return (name) => regexes.some((r) => r.test(name));
}

/** Every proper ancestor of a name: "a/b/c" → ["a", "a/b"]. */
export function ancestors(name: string): string[] {
  const parts = name.split(MAILBOX_DELIMITER);
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join(MAILBOX_DELIMITER));
  return out;
}
