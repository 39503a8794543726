import type { DirectoryService } from '../directory/index.js';
import type { AccountId } from '../store/index.js';
import { formatMailbox, hasRoutingCharacters, parseMailbox } from './address.js';
import { replies } from './reply.js';

export type RecipientDecision =
  | { readonly kind: 'local'; readonly account: AccountId }
  | { readonly kind: 'remote'; readonly address: string };

/**
 * RCPT TO policy, answered at RCPT time (DESIGN.md "SMTP MX"). Local domains: the directory must
 * know the address (550 5.1.1 otherwise). Other domains: only `mayRelay` (an authenticated
 * submission) may send there; everyone else gets 550 5.7.1 — we are never an open relay.
 * Throws SmtpReply.
 */
export function decideRecipient(directory: DirectoryService, address: string, mayRelay: boolean): RecipientDecision {
  // RFC 5321 §4.1.1.3: "Postmaster" without a domain must be accepted; it is our primary domain's.
  const parsed = parseMailbox(address.toLowerCase() === 'postmaster' ? `postmaster@${directory.localDomains[0]}` : address);
  if (!parsed.ok) throw parsed.problem === 'routing' ? replies.routingSyntax() : replies.badAddress();
  const { localPart, domain } = parsed.mailbox;
  if (directory.isLocalDomain(domain)) {
    // "user%example.org@cantho.gov.vn" is not a mailbox of ours, it is a request to relay.
    if (hasRoutingCharacters(localPart)) throw replies.routingSyntax();
    const resolution = directory.resolveRecipient(formatMailbox(parsed.mailbox));
    if (resolution.ok) return { kind: 'local', account: resolution.account };
    throw resolution.reason === 'suspended' ? replies.mailboxDisabled() : replies.unknownRecipient();
  }
  if (!mayRelay) throw hasRoutingCharacters(localPart) ? replies.routingSyntax() : replies.relayDenied();
  return { kind: 'remote', address: formatMailbox(parsed.mailbox) };
}
