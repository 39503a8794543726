import { domainToASCII } from 'node:url';
import { dmarc, type DMARCOptions, type DMARCResult, type DNSResolver } from 'mailauth';
import { AnswerCache } from '../dns/index.js';
import { recordKey } from './record-key.js';

/**
 * DMARC verdicts (RFC 7489 §6.6) kept for a while on the worker thread that evaluated them, and
 * reused for the next message with the same inputs, as spf-verdicts.ts does for SPF. mailauth's
 * evaluation looks the From: domain and every authenticated domain up in the public suffix list
 * (tldts, for the organizational domain of §3.2) and parses the policy record again for each
 * message; for the messages one sender's MTA sends, the verdict is the same every time.
 *
 * The verdict is a function of the From: address, the SPF- and DKIM-authenticated domains (with
 * what mailauth's alignment reads of them), the ARC result (named in the comment) and the DNS
 * answers along the way. The key holds all of these but the DNS answers, and of those the policy
 * record at `_dmarc.<From: domain>` (§6.6.3 step 1), so a changed record is seen at once; the
 * organizational domain's record, asked only when that one is missing (step 3), is trusted for
 * VERDICT_LIFETIME_MS, as SPF's further answers are. A temporary error is never kept, and a
 * message with other than one From: address (no verdict at all, §6.6.1) is not looked up.
 */
const VERDICT_LIFETIME_MS = 60_000;
/** Distinct (From:, authenticated domains) combinations kept per worker: a few hundred bytes each. */
const VERDICTS_KEPT = 5_000;
const verdicts = new AnswerCache<DMARCResult | false>(VERDICTS_KEPT);

type DmarcQuestion = Required<Pick<DMARCOptions, 'spfDomains' | 'dkimDomains' | 'arcResult'>> & { readonly headerFrom: readonly string[] };

/** mailauth's DMARC result for `question` (authenticate's own call: the same options, the same result). */
export async function dmarcVerdict(question: DmarcQuestion, resolver: DNSResolver): Promise<DMARCResult | false> {
  const options = { ...question, headerFrom: [...question.headerFrom], resolver };
  const from = question.headerFrom.length === 1 ? question.headerFrom[0]! : null;
  if (from === null) return dmarc(options);
  const record = await recordKey(`_dmarc.${policyDomain(from)}`, resolver);
  // What mailauth reads of a DKIM result: the signature's id names the signature, not its outcome.
  const dkim = question.dkimDomains.map(({ domain, aligned, underSized }) => [domain, aligned, underSized]);
  const key = JSON.stringify([from, question.spfDomains, dkim, question.arcResult.status?.result ?? null, record]);
  return verdicts.get(key, async () => {
    const result = await dmarc(options);
    return { value: result, ttlMs: result === false || result.status.result === 'temperror' ? 0 : VERDICT_LIFETIME_MS };
  });
}

/** The domain whose `_dmarc` record mailauth asks first: the From: address's, lowercase, as an A-label. */
function policyDomain(address: string): string {
  const domain = address.slice(address.indexOf('@') + 1).toLowerCase().trim();
  // An ASCII domain is its own A-label; node:url's conversion costs more than the rest of a kept verdict.
  return /^[\x00-\x7f]*$/.test(domain) ? domain : domainToASCII(domain) || domain;
}
