import { promises as dns } from 'node:dns';
import type { Logger } from 'pino';
import { AnswerCache, type CachedOutcome } from './answer-cache.js';

/** The `[dns]` table (DESIGN.md "Config"), durations in ms. */
export interface DnsSettings {
  readonly servers: readonly string[];
  readonly timeout: number;
  readonly attempts: number;
  readonly cache_size: number;
  readonly cache_max_ttl: number;
}

/** Records as `dns.promises.resolve(name, rrtype)` returns them. */
export type DnsLookup = (name: string, rrtype: string) => Promise<unknown[]>;

/**
 * Node's resolver reports TTLs only for A and AAAA (`{ ttl: true }`); TXT, MX and PTR answers are
 * kept this long, the usual TTL of SPF and DMARC records, and never past `cache_max_ttl`.
 */
const TTL_UNREPORTED_MS = 5 * 60_000;
/**
 * NXDOMAIN and NODATA are answers too (RFC 2308 §5: cache them). Without the SOA minimum that
 * Node does not report, they are kept for a minute: long enough that a message's SPF, DMARC and
 * PTR queries, and the next messages from the same sender, do not repeat them.
 */
const NEGATIVE_TTL_MS = 60_000;
const NEGATIVE_CODES = new Set(['ENOTFOUND', 'ENODATA']);
/**
 * A failure (timeout, SERVFAIL, refused) is kept a few seconds only (RFC 2308 §7.1 allows
 * caching server failures up to five minutes): with a dead resolver, the messages of a burst
 * then wait for one bounded lookup of a name, not one each.
 */
const FAILURE_TTL_MS = 10_000;

/** A lookup that did not finish within its bound: the same code c-ares uses for its own timeout. */
class DnsTimeoutError extends Error {
  readonly code = 'ETIMEOUT';
  constructor(name: string, rrtype: string, ms: number) {
    super(`DNS ${rrtype} ${name}: no answer within ${ms} ms`);
    this.name = 'DnsTimeoutError';
  }
}

/**
 * DNS as an MTA needs it: every query bounded, answers cached, questions in flight shared.
 *
 * - servers: `[dns] servers` ("host:port" or "host"; empty: /etc/resolv.conf's). Production
 *   should name a local caching resolver (unbound, dnsmasq), as Postfix installations do.
 * - bound: c-ares waits `timeout` per try and makes `attempts` tries; the promise settles with
 *   DnsTimeoutError after timeout × attempts whatever c-ares does with several servers.
 * - cache: positive answers for their TTL (A/AAAA) or TTL_UNREPORTED_MS, negative ones for
 *   NEGATIVE_TTL_MS, failures (timeout, SERVFAIL) for FAILURE_TTL_MS, all capped by `cache_max_ttl`.
 */
export function createBoundedLookup(settings: DnsSettings, logger: Logger): DnsLookup {
  const resolver = new dns.Resolver({ timeout: settings.timeout, tries: settings.attempts });
  if (settings.servers.length > 0) resolver.setServers([...settings.servers]);
  const cache = new AnswerCache<{ records: unknown[] } | { error: NodeJS.ErrnoException }>(settings.cache_size);
  const boundMs = settings.timeout * settings.attempts;
  const cap = (ms: number) => Math.min(ms, settings.cache_max_ttl);

  const ask = async (name: string, rrtype: string): Promise<CachedOutcome<{ records: unknown[] } | { error: NodeJS.ErrnoException }>> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DnsTimeoutError(name, rrtype, boundMs)), boundMs);
    });
    try {
      if (rrtype === 'A' || rrtype === 'AAAA') {
        const query = rrtype === 'A' ? resolver.resolve4(name, { ttl: true }) : resolver.resolve6(name, { ttl: true });
        const answers = await Promise.race([query, deadline]);
        const ttlMs = Math.min(...answers.map((a) => a.ttl)) * 1000;
        return { value: { records: answers.map((a) => a.address) }, ttlMs: cap(ttlMs) };
      }
      const records = (await Promise.race([resolver.resolve(name, rrtype), deadline])) as unknown[];
      return { value: { records }, ttlMs: cap(TTL_UNREPORTED_MS) };
    } catch (err) {
      const error = err as NodeJS.ErrnoException;
      if (error.code && NEGATIVE_CODES.has(error.code)) return { value: { error }, ttlMs: cap(NEGATIVE_TTL_MS) };
      logger.warn({ query: name, rrtype, code: error.code ?? String(err) }, 'DNS lookup failed');
      return { value: { error }, ttlMs: cap(FAILURE_TTL_MS) };
    } finally {
      clearTimeout(timer);
    }
  };

  return async (name, rrtype) => {
    const outcome = await cache.get(`${rrtype} ${name.toLowerCase()}`, () => ask(name, rrtype));
    if ('error' in outcome) throw outcome.error;
    // Callers get their own array: a cached answer must not change under the next one.
    return outcome.records.slice();
  };
}
