import { spf } from 'mailauth';
import type { SMTPServerSession } from 'smtp-server';
import type { AppContext } from '../context.js';
import { forwardConfirmedName } from '../dns/index.js';

/**
 * DNS work started as soon as its inputs are known, so that DATA does not wait for it (Postfix
 * does its client lookups at connect too):
 * - at connect: the client's forward-confirmed reverse name (RFC 8601 §3 iprev), for the
 *   Received field (RFC 5321 §4.4 TCP-info);
 * - at MAIL FROM: an SPF evaluation (RFC 7208 §2.4: its inputs are the client IP, HELO and MAIL
 *   FROM). Its answer is not used; its queries fill the resolver's cache (src/dns: answers and
 *   questions in flight are shared), so mailauth's own SPF check after DATA finds them there,
 *   having overlapped them with the message transfer.
 * smtp-server's own reverse lookup (through Node's resolver, unbounded by our `[dns]` settings,
 * and awaited before the greeting) stays off: `disableReverseLookup`.
 */
const clientNames = new WeakMap<SMTPServerSession, Promise<string | null>>();

export function lookUpClient(ctx: AppContext, session: SMTPServerSession): void {
  clientNames.set(session, forwardConfirmedName(ctx.resolver, session.remoteAddress));
}

export function lookUpSenderPolicy(ctx: AppContext, session: SMTPServerSession, sender: string): void {
  spf({ ip: session.remoteAddress, helo: session.hostNameAppearsAs || undefined, sender, mta: ctx.config.server.hostname, resolver: ctx.resolver as (name: string, rrtype: string) => Promise<string[]> }).catch(
    () => undefined, // only a cache warm-up: the real check after DATA reports any failure
  );
}

/** The client's confirmed name, or null (none, or the lookup failed within the `[dns]` bounds). */
export function clientName(session: SMTPServerSession): Promise<string | null> {
  return clientNames.get(session) ?? Promise.resolve(null);
}
