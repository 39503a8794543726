import { isIP } from 'node:net';
import libmime from 'libmime';
import { arc, dkimVerify, type ARCData, type ARCResult, type DKIMVerifyResult, type DMARCResult, type DNSResolver, type SPFResult } from 'mailauth';
import type { FilterContext } from '../filters/index.js';
import type { TaskEnv } from '../workers/index.js';
import { dmarcVerdict } from './dmarc-verdicts.js';
import { spfVerdict } from './spf-verdicts.js';

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

/** mailauth folds each Authentication-Results entry at this width. */
const FOLD_AT = 160;

/**
 * SPF (RFC 7208), DKIM (RFC 6376), DMARC (RFC 7489) and ARC (RFC 8617) of an inbound message, with
 * the injected resolver, reported under our hostname `mta` as authserv-id (RFC 8601). mailauth's
 * header parsing grows faster than the header does, so this runs on a worker thread, within the
 * message's inspection (inspection.ts).
 *
 * mailauth's own authenticate() runs these four in this order and writes these fields; its steps
 * are called one by one here only so that the SPF and DMARC verdicts can come from
 * spf-verdicts.ts and dmarc-verdicts.ts (kept per client, sender and From: domain) rather than be
 * evaluated again for every message. BIMI stays off.
 */
export async function authenticateMessage(raw: Buffer, client: InboundClient, mta: string, env: TaskEnv): Promise<InboundAuthentication> {
  const resolver = env.resolver as DNSResolver;
  const dkim = await dkimVerify(raw, { resolver, sender: client.sender });
  const spf = await spfVerdict({ ip: client.ip, helo: spfHelo(client), sender: client.sender }, mta, resolver);
  // dkimVerify hands over the message's ARC chain as arc() reads it.
  const arcResult = await arc(dkim.arc as unknown as ARCData, { resolver });
  const dmarcResult = dkim.headerFrom
    ? await dmarcVerdict(
        {
          headerFrom: ([] as string[]).concat(dkim.headerFrom),
          spfDomains: spf.status.result === 'pass' ? [spf.domain] : [],
          dkimDomains: dkim.results
            .filter((r) => r.status.result === 'pass')
            .map((r) => ({ id: r.id, domain: r.signingDomain, aligned: r.status.aligned, underSized: r.status.underSized })),
          arcResult,
        },
        resolver,
      )
    : false;
  return {
    headers: [spf.header, authenticationResults(mta, dkim, spf, arcResult, dmarcResult)].join('\r\n'),
    summary: summarize(dkim, spf, arcResult, dmarcResult),
    proof: {
      dkimPassDomains: dkim.results.filter((r) => r.status.result === 'pass').map((r) => r.signingDomain),
      spfPass: spf.status.result === 'pass',
      dmarcPass: dmarcResult !== false && dmarcResult.status.result === 'pass',
    },
  };
}

/** RFC 7208 §4.1 <helo>: the client's HELO name; an address there is written as a literal, and no HELO at all counts as the address. */
function spfHelo(client: InboundClient): string {
  const helo = client.helo || client.ip;
  return isIP(helo) ? `[${helo}]` : helo;
}

/** RFC 8601 §2.2: one field, our authserv-id, then a resinfo per method in mailauth's order. */
function authenticationResults(mta: string, dkim: DKIMVerifyResult, spf: SPFResult, arcResult: ARCResult, dmarcResult: DMARCResult | false): string {
  const entries = [...dkim.results.map((r) => r.info), spf.info, ...(arcResult.info ? [arcResult.info] : []), ...(dmarcResult && dmarcResult.info ? [dmarcResult.info] : [])];
  return `Authentication-Results: ${mta};\r\n ` + entries.map((entry) => libmime.foldLines(entry, FOLD_AT)).join(';\r\n ');
}

function summarize(dkimResult: DKIMVerifyResult, spf: SPFResult, arcResult: ARCResult, dmarcResult: DMARCResult | false): NonNullable<FilterContext['auth']> {
  const dkim = dkimResult.results.find((r) => r.status.result === 'pass') ?? dkimResult.results[0];
  return {
    spf: spf.status.result,
    dkim: dkim ? dkim.status.result : 'none',
    dmarc: dmarcResult ? dmarcResult.status.result : 'none',
    // ARC only where the message carries a chain.
    ...(arcResult.i !== false ? { arc: arcResult.status.result } : {}),
  };
}
