/**
 * The session cookie (RFC 6265). One cookie, so a small parser and serializer here rather than a
 * plugin: its attributes are the security decision and should be read in one place.
 */

export interface CookiePolicy {
  /** `__Host-` prefix (RFC 6265bis §4.1.3.2) needs Secure, Path=/ and no Domain: only over HTTPS. */
  readonly secure: boolean;
}

export function sessionCookieName(policy: CookiePolicy): string {
  return policy.secure ? '__Host-cm_sid' : 'cm_sid';
}

/** Values of the Cookie header by name; the first one wins, as browsers send the most specific first. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

/**
 * HttpOnly: no script reads it. SameSite=Lax: not sent on cross-site POSTs (a second wall behind
 * the CSRF token) but still on a link followed from a mail client. No Max-Age: a browser
 * session cookie; the server enforces the real lifetime.
 */
export function sessionCookie(policy: CookiePolicy, id: string): string {
  return [`${sessionCookieName(policy)}=${id}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', ...(policy.secure ? ['Secure'] : [])].join('; ');
}

export function clearedSessionCookie(policy: CookiePolicy): string {
  return [`${sessionCookieName(policy)}=`, 'Path=/', 'Max-Age=0', 'HttpOnly', 'SameSite=Lax', ...(policy.secure ? ['Secure'] : [])].join('; ');
}
