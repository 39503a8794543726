import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createBoundedLookup, forwardConfirmedName, type DnsSettings } from '../../src/dns/index.js';
import { reverseName, startDnsServer, type RunningDnsServer } from '../helpers/dns-server.js';

const silent = pino({ level: 'silent' });
const settings = (dns: RunningDnsServer, more: Partial<DnsSettings> = {}): DnsSettings => ({
  servers: [dns.address],
  timeout: 200,
  attempts: 1,
  cache_size: 100,
  cache_max_ttl: 3_600_000,
  ...more,
});

let dns: RunningDnsServer;
beforeAll(async () => {
  dns = await startDnsServer({
    'example.org': { TXT: ['v=spf1 ip4:192.0.2.0/24 -all'], MX: [{ exchange: 'mx.example.org', priority: 10 }] },
    'mx.example.org': { A: ['192.0.2.25'] },
    [reverseName('192.0.2.25')]: { PTR: ['mx.example.org'] },
    [reverseName('192.0.2.26')]: { PTR: ['liar.example.org'] },
    'liar.example.org': { A: ['192.0.2.99'] },
  });
});
afterAll(() => dns.close());

describe('[dns] lookups through the configured servers', () => {
  test('answers A, MX, TXT and PTR from the configured server, not the system resolver', async () => {
    const lookup = createBoundedLookup(settings(dns), silent);
    expect(await lookup('mx.example.org', 'A')).toEqual(['192.0.2.25']);
    expect(await lookup('example.org', 'MX')).toEqual([{ exchange: 'mx.example.org', priority: 10 }]);
    expect(await lookup('example.org', 'TXT')).toEqual([['v=spf1 ip4:192.0.2.0/24 -all']]);
    expect(await lookup(reverseName('192.0.2.25'), 'PTR')).toEqual(['mx.example.org']);
  });

  test('answers and NXDOMAIN are cached; a question in flight is asked once', async () => {
    const lookup = createBoundedLookup(settings(dns), silent);
    const asked = () => dns.queries.filter((q) => q === 'example.org TXT' || q === 'nowhere.example.org TXT').length;
    const before = asked();
    await Promise.all([lookup('example.org', 'TXT'), lookup('EXAMPLE.org', 'TXT')]);
    await lookup('example.org', 'TXT');
    await expect(lookup('nowhere.example.org', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(lookup('nowhere.example.org', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(asked() - before).toBe(2);
  });

  test('cache_size = 0 keeps nothing', async () => {
    const lookup = createBoundedLookup(settings(dns, { cache_size: 0 }), silent);
    const before = dns.queries.length;
    await lookup('mx.example.org', 'A');
    await lookup('mx.example.org', 'A');
    expect(dns.queries.length - before).toBe(2);
  });

  test('a server that never answers fails the lookup with ETIMEOUT within timeout x attempts', async () => {
    const dead = await startDnsServer({}, { unknown: 'drop' });
    try {
      const lookup = createBoundedLookup(settings(dead, { timeout: 100, attempts: 2 }), silent);
      const started = Date.now();
      await expect(lookup('example.org', 'TXT')).rejects.toMatchObject({ code: 'ETIMEOUT' });
      console.log(`dead DNS server: lookup gave up after ${Date.now() - started} ms (bound 200 ms)`);
    } finally {
      await dead.close();
    }
  });
});

describe('forward-confirmed reverse DNS (RFC 8601 §3 iprev)', () => {
  test('a PTR name whose A record points back is the client name', async () => {
    const lookup = createBoundedLookup(settings(dns), silent);
    expect(await forwardConfirmedName(lookup, '192.0.2.25')).toBe('mx.example.org');
    expect(await forwardConfirmedName(lookup, '::ffff:192.0.2.25')).toBe('mx.example.org');
  });

  test('a PTR name that does not point back, or no PTR at all, gives no name', async () => {
    const lookup = createBoundedLookup(settings(dns), silent);
    expect(await forwardConfirmedName(lookup, '192.0.2.26')).toBeNull();
    expect(await forwardConfirmedName(lookup, '192.0.2.27')).toBeNull();
  });
});
