import { authenticate, type AuthenticateResult } from 'mailauth';
import type { FilterContext } from '../filters/index.js';
import type { TaskEnv } from '../workers/index.js';

export interface InboundAuthentication {
  /** Received-SPF and Authentication-Results lines from mailauth, for our authserv-id, ready to prepend. */
  readonly headers: string;
  readonly summary: NonNullable<FilterContext['auth']>;
  /** What the policy on our own domains needs (local-sender.ts). */
  readonly proof: SenderProof;
}

export interface SenderProof {
  /** d= of every DKIM signature that verified (RFC 6376), as written. */
  readonly dkimPassDomains: readonly string[];
  readonly spfPass: boolean;
  readonly dmarcPass: boolean;
}

/** The SMTP client as the MX saw it. */
export interface InboundClient {
  readonly ip: string;
  readonly helo: string;
  /** MAIL FROM, "" for the null sender. */
  readonly sender: string;
}

/**
 * SPF (RFC 7208), DKIM (RFC 6376), DMARC (RFC 7489) and ARC (RFC 8617) of an inbound message, with
 * the injected resolver, reported under our hostname `mta` as authserv-id (RFC 8601). mailauth's
 * header parsing grows faster than the header does, so this runs on a worker thread, within the
 * message's inspection (inspection.ts).
 */
export async function authenticateMessage(raw: Buffer, client: InboundClient, mta: string, env: TaskEnv): Promise<InboundAuthentication> {
  const result = await authenticate(raw, {
    ip: client.ip,
    helo: client.helo,
    sender: client.sender,
    mta,
    resolver: env.resolver as (name: string, rrtype: string) => Promise<string[]>,
    disableBimi: true,
  });
  return {
    headers: result.headers.replace(/\r?\n$/, ''),
    summary: summarize(result),
    proof: {
      dkimPassDomains: result.dkim.results.filter((r) => r.status.result === 'pass').map((r) => r.signingDomain),
      spfPass: result.spf !== false && result.spf.status.result === 'pass',
      dmarcPass: result.dmarc !== false && result.dmarc.status.result === 'pass',
    },
  };
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
