/**
 * DNS for the whole server (DESIGN.md "Config" [dns]): one bounded, caching lookup function built
 * by the composition root and handed to SPF/DKIM/DMARC, DNSBLs, the PTR check and the outbound
 * queue's MX lookups; tests may inject a table with the same signature instead.
 * A leaf module: it uses node:dns only.
 */
export { createBoundedLookup, type DnsLookup, type DnsSettings } from './bounded-resolver.js';
export { forwardConfirmedName } from './forward-confirmed.js';
export { reversedAddressLabels, unmapIPv4 } from './reverse-name.js';
export { AnswerCache, type CachedOutcome } from './answer-cache.js';
