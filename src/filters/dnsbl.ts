import { BlockList, isIP } from 'node:net';
import type { Logger } from 'pino';
import type { DnsResolver } from '../context.js';
import { reversedAddressLabels, unmapIPv4 } from '../dns/index.js';

export type DnsblAnswer = 'listed' | 'clean' | 'unknown';

/** Failed or timed-out lookups are remembered briefly so a dead DNSBL does not slow every message. */
const UNKNOWN_TTL_MS = 60_000;
const CACHE_ENTRIES = 10_000;

/**
 * DNS blocklist lookups (RFC 5782) through the injected resolver, each bounded by `timeoutMs` and
 * cached per (zone, IP). A timeout or error is "unknown" and never counts as a listing.
 */
export class DnsblChecker {
  private readonly cache = new Map<string, { answer: DnsblAnswer; expires: number }>();

  constructor(
    private readonly resolver: DnsResolver,
    private readonly logger: Logger,
  ) {}

  async check(ip: string, zone: string, answers: readonly string[], options: { timeoutMs: number; cacheSeconds: number }): Promise<DnsblAnswer> {
    const name = dnsblQueryName(ip, zone);
    if (name === null) return 'clean';
    const key = `${name}|${answers.join(',')}`;
    const now = Date.now();
    const cached = this.cache.get(key);
    if (cached && cached.expires > now) return cached.answer;

    const answer = await this.lookup(name, answers, options.timeoutMs);
    const ttl = answer === 'unknown' ? Math.min(UNKNOWN_TTL_MS, options.cacheSeconds * 1000) : options.cacheSeconds * 1000;
    if (ttl > 0) {
      this.cache.delete(key);
      this.cache.set(key, { answer, expires: now + ttl });
      if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    }
    return answer;
  }

  private async lookup(name: string, answers: readonly string[], timeoutMs: number): Promise<DnsblAnswer> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const result = await Promise.race([this.resolver(name, 'A'), timeout]);
      if (result === 'timeout') {
        this.logger.warn({ query: name, timeoutMs }, 'DNSBL lookup timed out');
        return 'unknown';
      }
      const addresses = result.map(String);
      // RFC 5782 §2.1: a listing answers with an A record in 127.0.0.0/8.
      const listed = addresses.some((a) => a.startsWith('127.') && (answers.length === 0 || answers.includes(a)));
      return listed ? 'listed' : 'clean';
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // NXDOMAIN / no data is the normal "not listed" answer.
      if (code === 'ENOTFOUND' || code === 'ENODATA') return 'clean';
      this.logger.warn({ query: name, code: code ?? String(err) }, 'DNSBL lookup failed');
      return 'unknown';
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Addresses no public blocklist can list (RFC 6890 special-purpose: loopback, private, link-local,
 * unique-local): a client there is one of ours or a test, and asking would only leak it.
 */
const NOT_LISTABLE = new BlockList();
for (const [net, prefix] of [['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['169.254.0.0', 16], ['100.64.0.0', 10]] as const) {
  NOT_LISTABLE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) NOT_LISTABLE.addSubnet(net, prefix, 'ipv6');

/**
 * RFC 5782 §2.1 (IPv4: octets reversed) and §2.4 (IPv6: 32 nibbles reversed), then the zone; null
 * for an address that is not worth asking about.
 */
export function dnsblQueryName(ip: string, zone: string): string | null {
  const address = unmapIPv4(ip);
  const version = isIP(address);
  if (version !== 0 && NOT_LISTABLE.check(address, version === 4 ? 'ipv4' : 'ipv6')) return null;
  const labels = reversedAddressLabels(address);
  return labels === null ? null : `${labels}.${zone}`;
}
