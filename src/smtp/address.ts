/**
 * Envelope address syntax as far as relay protection needs it. smtp-server has already removed
 * the angle brackets and ignored a source route (RFC 5321 §4.1.2, appendix C).
 */

import { domainToASCII } from 'node:url';

export interface Mailbox {
  readonly localPart: string;
  /**
   * Lowercase, in A-labels (`xn--…`): routing, local-domain checks and the queue all use this
   * form, whichever one the client wrote.
   */
  readonly domain: string;
}

export type AddressParse =
  | { readonly ok: true; readonly mailbox: Mailbox }
  /** `routing`: a %-hack, a bang path, a quoted local part or a leftover source route — an attempt to route through us. */
  | { readonly ok: false; readonly problem: 'syntax' | 'routing' };

// RFC 5321 §4.1.2 Domain, or an address literal like [192.0.2.1].
const DOMAIN = /^(?:(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?|\[[0-9a-f:.]+\]|\[ipv6:[0-9a-f:.]+\])$/i;
// RFC 5322 §3.2.3 atext plus "." and, for SMTPUTF8 (RFC 6531 §3.3), any non-ASCII character.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\u0080-\uffff-]{1,64}$/;

export function parseMailbox(address: string): AddressParse {
  const at = address.lastIndexOf('@');
  if (at <= 0) return { ok: false, problem: address.includes('!') || address.includes('%') ? 'routing' : 'syntax' };
  const localPart = address.slice(0, at);
  const domain = asciiDomain(address.slice(at + 1));
  if (localPart.startsWith('"') || localPart.startsWith('@') || localPart.includes(':')) return { ok: false, problem: 'routing' };
  if (!LOCAL_PART.test(localPart) || !DOMAIN.test(domain)) return { ok: false, problem: 'syntax' };
  return { ok: true, mailbox: { localPart, domain } };
}

/**
 * RFC 6531 §3.2 / RFC 5890: with SMTPUTF8 a domain may come in U-labels — and smtp-server turns
 * `xn--…` into U-labels itself — so a domain is compared and routed in its A-label form (UTS #46
 * mapping, as browsers do). '' when it is no valid IDN; address literals are left as they are.
 */
export function asciiDomain(domain: string): string {
  if (domain.startsWith('[') || isPlainHostname(domain)) return domain.toLowerCase();
  return domainToASCII(domain).toLowerCase();
}

/**
 * Letters, digits, hyphens and dots only, no A-label (`xn--`, which domainToASCII checks) and a
 * last label that is no number (WHATWG URL's host parser reads `….1` or `….0x7f` as an IPv4
 * address): UTS #46 maps such a name to itself lowercased, so the domainToASCII call, a visible
 * part of each MAIL FROM and RCPT TO, is skipped.
 */
const PLAIN_HOSTNAME = /^[a-z0-9.-]+$/i;
const NUMBER_LABEL = /(?:^|\.)(?:[0-9]+|0x[0-9a-f]*)\.?$/i;
function isPlainHostname(domain: string): boolean {
  return PLAIN_HOSTNAME.test(domain) && !/xn--/i.test(domain) && !NUMBER_LABEL.test(domain);
}

/** RFC 3461/1123 style "%" and "!" routing inside a local part: never honoured for our domains. */
export function hasRoutingCharacters(localPart: string): boolean {
  return localPart.includes('%') || localPart.includes('!');
}

export function formatMailbox(mailbox: Mailbox): string {
  return `${mailbox.localPart}@${mailbox.domain}`;
}
