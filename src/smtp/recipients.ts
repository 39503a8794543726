import type { DirectoryService } from '../directory/index.js';
import type { AccountId } from '../store/index.js';
import { formatMailbox, hasRoutingCharacters, parseMailbox } from './address.js';
import { replies, SmtpReply } from './reply.js';
import { isSrsLocalPart, srsReverse, type SrsKey } from './srs.js';

export type RecipientDecision =
  | { readonly kind: 'local'; readonly account: AccountId }
  | { readonly kind: 'remote'; readonly address: string }
  /** A bounce to a sender we rewrote (srs.ts): it goes on to `address`, the original sender. */
  | { readonly kind: 'srs-bounce'; readonly address: string };

/** On the MX: SRS addresses are reversed with this key; only bounces (null sender) may use them. */
export interface SrsReception {
  readonly key: SrsKey;
  readonly nullSender: boolean;
  readonly now: Date;
}

/**
 * RCPT TO policy, answered at RCPT time (DESIGN.md "SMTP MX"). Local domains: the directory must
 * know the address (550 5.1.1 otherwise). Other domains: only `mayRelay` (an authenticated
 * submission) may send there; everyone else gets 550 5.7.1 — we are never an open relay.
 * Throws SmtpReply.
 */
export function decideRecipient(directory: DirectoryService, address: string, mayRelay: boolean, srs: SrsReception | null = null): RecipientDecision {
  // RFC 5321 §4.1.1.3: "Postmaster" without a domain must be accepted; it is our primary domain's.
  const parsed = parseMailbox(address.toLowerCase() === 'postmaster' ? `postmaster@${directory.localDomains[0]}` : address);
  if (!parsed.ok) throw parsed.problem === 'routing' ? replies.routingSyntax() : replies.badAddress();
  const { localPart, domain } = parsed.mailbox;
  if (directory.isLocalDomain(domain)) {
    // "user%example.org@cantho.gov.vn" is not a mailbox of ours, it is a request to relay.
    if (hasRoutingCharacters(localPart)) throw replies.routingSyntax();
    if (srs !== null && isSrsLocalPart(localPart)) return srsBounce(localPart, srs);
    const resolution = directory.resolveRecipient(formatMailbox(parsed.mailbox));
    if (resolution.ok) return { kind: 'local', account: resolution.account };
    throw resolution.reason === 'suspended' ? replies.mailboxDisabled() : replies.unknownRecipient();
  }
  if (!mayRelay) throw hasRoutingCharacters(localPart) ? replies.routingSyntax() : replies.relayDenied();
  return { kind: 'remote', address: formatMailbox(parsed.mailbox) };
}

/**
 * A bounce to a rewritten sender goes back to the original sender; anything else sent to such an
 * address (a spammer replaying it as a relay) and any address we did not make, or made more than
 * SRS_MAX_AGE_DAYS ago, is refused at RCPT.
 */
function srsBounce(localPart: string, srs: SrsReception): RecipientDecision {
  const reversal = srsReverse(localPart, srs.key, srs.now);
  if (!reversal.ok) {
    throw new SmtpReply(550, '5.1.1', reversal.reason === 'expired' ? 'Forwarding address has expired' : 'Forwarding address is not valid', 'srs');
  }
  if (!srs.nullSender) throw new SmtpReply(550, '5.7.1', 'Forwarding address accepts only delivery status notifications', 'srs');
  return { kind: 'srs-bounce', address: reversal.address };
}
