import { isIP } from 'node:net';
import type { DnsLookup } from './bounded-resolver.js';
import { reverseLookupName, unmapIPv4 } from './reverse-name.js';

/** PTR names checked at most: a client with more is not worth more queries (RFC 7208 §5.5 uses 10 for its "ptr"). */
const MAX_PTR_NAMES = 3;

/**
 * The client's forward-confirmed reverse DNS name ("iprev", RFC 8601 §3): a PTR name of the
 * address whose A (or AAAA) records include the address again. Null when there is none, or the
 * lookups failed: RFC 5321 §4.4 then has the Received field show the address only, as Postfix's
 * "unknown" does. Never rejects.
 */
export async function forwardConfirmedName(lookup: DnsLookup, ip: string): Promise<string | null> {
  const address = unmapIPv4(ip);
  const owner = reverseLookupName(address);
  if (owner === null) return null;
  try {
    const names = ((await lookup(owner, 'PTR')) as string[]).slice(0, MAX_PTR_NAMES);
    const rrtype = isIP(address) === 4 ? 'A' : 'AAAA';
    for (const name of names) {
      const addresses = await lookup(name, rrtype).catch(() => [] as unknown[]);
      if (addresses.some((a) => String(a).toLowerCase() === address.toLowerCase())) return name.toLowerCase().replace(/\.$/, '');
    }
  } catch {
    // NXDOMAIN, timeout: no name.
  }
  return null;
}
