import { authenticate, type AuthenticateResult } from 'mailauth';
import type { SMTPServerSession } from 'smtp-server';
import type { AppContext } from '../context.js';
import type { FilterContext } from '../filters/index.js';
import { asBuffer, defineTask, type TaskEnv } from '../workers/index.js';

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

interface AuthenticationInput {
  readonly raw: Uint8Array;
  readonly ip: string;
  readonly helo: string;
  readonly sender: string;
  readonly mta: string;
}

/**
 * SPF (RFC 7208), DKIM (RFC 6376), DMARC (RFC 7489) and ARC (RFC 8617) of an inbound message, with
 * the injected resolver, reported under our hostname as authserv-id (RFC 8601). mailauth's header
 * parsing grows faster than the header does, so this runs on a worker thread (src/workers) within
 * `[limits] message_cpu_budget`.
 */
export function authenticateInbound(ctx: AppContext, raw: Buffer, session: SMTPServerSession, queueId: string): Promise<InboundAuthentication> {
  const input: AuthenticationInput = {
    raw,
    ip: session.remoteAddress,
    helo: session.hostNameAppearsAs,
    sender: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    mta: ctx.config.server.hostname,
  };
  return ctx.workers.run(AUTHENTICATE_MESSAGE, input, queueId, raw.length);
}

export const AUTHENTICATE_MESSAGE = defineTask<AuthenticationInput, InboundAuthentication>(new URL(import.meta.url), 'authenticateTask');

/** The worker side of authenticateInbound. */
export async function authenticateTask(input: AuthenticationInput, env: TaskEnv): Promise<InboundAuthentication> {
  const result = await authenticate(asBuffer(input.raw), {
    ip: input.ip,
    helo: input.helo,
    sender: input.sender,
    mta: input.mta,
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
