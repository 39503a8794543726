import { isIP } from 'node:net';

/** "::ffff:192.0.2.1" (an IPv4 client on a dual-stack socket) as "192.0.2.1". */
export function unmapIPv4(ip: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return match ? match[1]! : ip;
}

/**
 * An address written as DNS labels, least significant first: IPv4 octets reversed (RFC 1035
 * §3.5), IPv6 as 32 nibbles reversed (RFC 3596 §2.5). The same labels name a PTR record under
 * in-addr.arpa / ip6.arpa and a DNSBL entry under the list's zone (RFC 5782 §2.1, §2.4).
 * Null when `ip` is not an address.
 */
export function reversedAddressLabels(ip: string): string | null {
  const address = unmapIPv4(ip);
  const version = isIP(address);
  if (version === 4) return address.split('.').reverse().join('.');
  if (version !== 6) return null;
  const [head = '', tail = ''] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailGroups];
  return groups.map((g) => g.padStart(4, '0')).join('').split('').reverse().join('.');
}

/** The owner name of `ip`'s PTR record, or null when `ip` is not an address. */
export function reverseLookupName(ip: string): string | null {
  const labels = reversedAddressLabels(ip);
  if (labels === null) return null;
  return `${labels}.${isIP(unmapIPv4(ip)) === 4 ? 'in-addr.arpa' : 'ip6.arpa'}`;
}
