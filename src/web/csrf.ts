import { timingSafeEqual } from 'node:crypto';

/**
 * CSRF protection by synchronizer token (OWASP CSRF Prevention Cheat Sheet): every session has a
 * random token, every POST form carries it in `_csrf`, and a POST whose token is missing or not
 * the session's own is refused with 403 before anything else happens. The sign-in form is
 * protected too (login CSRF), which is why visitors get an anonymous session first.
 */

export const CSRF_FIELD = '_csrf';

export function csrfTokenMatches(expected: string, submitted: unknown): boolean {
  if (typeof submitted !== 'string') return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(submitted, 'utf8');
  // timingSafeEqual needs equal lengths; a length mismatch is already a forgery.
  return a.length === b.length && timingSafeEqual(a, b);
}
