import type { DirectoryService } from '../directory/index.js';
import { asciiDomain } from './address.js';
import type { SenderProof } from './authentication.js';
import { replies } from './reply.js';

/**
 * Mail that claims to come from one of our own domains — in From: (RFC 5322 §3.6.2) or in MAIL
 * FROM — reaches the MX from outside only when it proves it left through our submission: DMARC
 * (RFC 7489 §3.1) passes, or, for any local domain in the envelope, SPF passes for it (RFC 7208)
 * or the message carries a valid DKIM signature of a local domain (RFC 6376; ours, made by
 * src/smtp/dkim.ts — a message forwarded intact keeps it). Officials always submit, so anything
 * else is forged and refused `550 5.7.1`, whatever p= our DMARC record publishes. Decided at the
 * end of DATA: before mailauth has seen the message nothing is certain. `fromAddresses`: those of
 * the message's From: fields (senders.ts fromAuthors, read in inspection.ts). Throws SmtpReply.
 */
export function checkLocalSender(directory: DirectoryService, fromAddresses: readonly string[], envelopeSender: string, proof: SenderProof): void {
  const envelopeDomain = domainOf(envelopeSender);
  const fromDomains = fromAddresses.map(domainOf);
  const localFrom = fromDomains.find((d) => directory.isLocalDomain(d));
  const localEnvelope = directory.isLocalDomain(envelopeDomain) ? envelopeDomain : undefined;
  const claimed = localFrom ?? localEnvelope;
  if (claimed === undefined) return;
  const signedByUs = proof.dkimPassDomains.some((domain) => directory.isLocalDomain(asciiDomain(domain)));
  const spfForUs = localEnvelope !== undefined && proof.spfPass;
  if (signedByUs || spfForUs || (localEnvelope === undefined && proof.dmarcPass)) return;
  throw replies.forgedLocalSender(claimed);
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? '' : asciiDomain(address.slice(at + 1));
}
