import { authenticate, type AuthenticateResult } from 'mailauth';
import type { SMTPServerSession } from 'smtp-server';
import type { AppContext } from '../context.js';
import type { FilterContext } from '../filters/verdict.js';

export interface InboundAuthentication {
  /** Received-SPF and Authentication-Results lines from mailauth, for our authserv-id, ready to prepend. */
  readonly headers: string;
  readonly summary: NonNullable<FilterContext['auth']>;
  /** mailauth's full answer, for the policy on our own domains (local-sender.ts). */
  readonly result: AuthenticateResult;
}

/**
 * SPF (RFC 7208), DKIM (RFC 6376), DMARC (RFC 7489) and ARC (RFC 8617) of an inbound message, with
 * the injected resolver, reported under our hostname as authserv-id (RFC 8601).
 */
export async function authenticateInbound(ctx: AppContext, raw: Buffer, session: SMTPServerSession): Promise<InboundAuthentication> {
  const result = await authenticate(raw, {
    ip: session.remoteAddress,
    helo: session.hostNameAppearsAs,
    sender: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    mta: ctx.config.server.hostname,
    resolver: ctx.resolver as (name: string, rrtype: string) => Promise<string[]>,
    disableBimi: true,
  });
  return { headers: result.headers.replace(/\r?\n$/, ''), summary: summarize(result), result };
}

function summarize(result: AuthenticateResult): NonNullable<FilterContext['auth']> {
  const dkim = result.dkim.results.find((r) => r.status.result === 'pass') ?? result.dkim.results[0];
  return {
    spf: result.spf ? result.spf.status.result : 'none',
    dkim: dkim ? dkim.status.result : 'none',
    dmarc: result.dmarc ? result.dmarc.status.result : 'none',
    // ARC only where the message carries a chain.
    ...(result.arc && result.arc.i !== false ? { arc: result.arc.status.result } : {}),
  };
}
