import type { SMTPServerSession } from 'smtp-server';
import type { AppContext } from '../context.js';
import { forwardConfirmedName } from '../dns/index.js';
import { parseMailbox } from './address.js';

/**
 * DNS work started as soon as its inputs are known, so that DATA does not wait for it (Postfix
 * does its client lookups at connect too):
 * - at connect: the client's forward-confirmed reverse name (RFC 8601 §3 iprev), for the
 *   Received field (RFC 5321 §4.4 TCP-info);
 * - at MAIL FROM: the sender domain's TXT records (its SPF record, RFC 7208 §4.4) and its DMARC
 *   record (`_dmarc.<domain>`, RFC 7489 §6.1; the From: domain is most often the same). The
 *   answers are not used here; they fill the resolver's cache (src/dns: answers and questions in
 *   flight are shared), so mailauth's checks after DATA find them there, having overlapped them
 *   with the message transfer. Only the first query of each is started: running the whole SPF
 *   evaluation twice (here and in mailauth) cost more CPU than the later queries it would save.
 * smtp-server's own reverse lookup (Node's resolver, blind to `[dns]` and /etc/hosts, awaited
 * before the greeting for up to 1.5 s) stays off: `disableReverseLookup`.
 */
const clientNames = new WeakMap<SMTPServerSession, Promise<string | null>>();

export function lookUpClient(ctx: AppContext, session: SMTPServerSession): void {
  clientNames.set(session, forwardConfirmedName(ctx.resolver, session.remoteAddress));
}

export function lookUpSenderPolicy(ctx: AppContext, sender: string): void {
  // The null sender (SPF then checks the HELO name) and address literals have no records to fetch.
  const parsed = parseMailbox(sender);
  if (!parsed.ok || parsed.mailbox.domain.startsWith('[')) return;
  const { domain } = parsed.mailbox;
  for (const name of [domain, `_dmarc.${domain}`]) ctx.resolver(name, 'TXT').catch(() => undefined);
}

/** The client's confirmed name, or null (none, or the lookup failed within the `[dns]` bounds). */
export function clientName(session: SMTPServerSession): Promise<string | null> {
  return clientNames.get(session) ?? Promise.resolve(null);
}
