import type { SMTPServerSession } from 'smtp-server';
import type { AppContext } from '../context.js';
import { forwardConfirmedName } from '../dns/index.js';
import type { KnownAnswer } from '../workers/index.js';
import { parseMailbox } from './address.js';

/**
 * DNS work started as soon as its inputs are known, so that DATA does not wait for it (Postfix
 * does its client lookups at connect too):
 * - at connect: the client's forward-confirmed reverse name (RFC 8601 §3 iprev), for the
 *   Received field (RFC 5321 §4.4 TCP-info);
 * - at MAIL FROM: the sender domain's TXT records (its SPF record, RFC 7208 §4.4) and its DMARC
 *   record (`_dmarc.<domain>`, RFC 7489 §6.1; the From: domain is most often the same). The
 *   answers fill the resolver's cache (src/dns: answers and questions in flight are shared) and
 *   go with the inspection job after DATA (senderPolicyAnswers), so mailauth's checks find them
 *   on the worker, having overlapped them with the message transfer. Only the first query of each is started: running the whole SPF
 *   evaluation twice (here and in mailauth) cost more CPU than the later queries it would save.
 * smtp-server's own reverse lookup (Node's resolver, blind to `[dns]` and /etc/hosts, awaited
 * before the greeting for up to 1.5 s) stays off: `disableReverseLookup`.
 */
const clientNames = new WeakMap<SMTPServerSession, Promise<string | null>>();

export function lookUpClient(ctx: AppContext, session: SMTPServerSession): void {
  clientNames.set(session, forwardConfirmedName(ctx.resolver, session.remoteAddress));
}

export function lookUpSenderPolicy(ctx: AppContext, sender: string): void {
  for (const name of senderPolicyNames(sender)) ctx.resolver(name, 'TXT').catch(() => undefined);
}

/**
 * The answers lookUpSenderPolicy started, once they are in (within the `[dns]` bounds), for the
 * inspection job to bring along (src/workers KnownAnswer): the worker then asks the main thread
 * only for the questions after them. Each answer posted to a worker was a message each way,
 * and those messages were a visible part of the event loop's time in the served SMTP bench.
 */
export async function senderPolicyAnswers(ctx: AppContext, sender: string): Promise<KnownAnswer[]> {
  return Promise.all(
    senderPolicyNames(sender).map((name) =>
      ctx.resolver(name, 'TXT').then(
        (records): KnownAnswer => ({ name, rrtype: 'TXT', records }),
        (error: NodeJS.ErrnoException): KnownAnswer => ({ name, rrtype: 'TXT', error: { message: String(error?.message ?? error), ...(error?.code ? { code: error.code } : {}) } }),
      ),
    ),
  );
}

/** The sender domain and its DMARC name; none for the null sender (SPF then checks the HELO name) or an address literal. */
function senderPolicyNames(sender: string): string[] {
  const parsed = parseMailbox(sender);
  if (!parsed.ok || parsed.mailbox.domain.startsWith('[')) return [];
  const { domain } = parsed.mailbox;
  return [domain, `_dmarc.${domain}`];
}

/** The client's confirmed name, or null (none, or the lookup failed within the `[dns]` bounds). */
export function clientName(session: SMTPServerSession): Promise<string | null> {
  return clientNames.get(session) ?? Promise.resolve(null);
}
