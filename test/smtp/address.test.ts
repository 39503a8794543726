import fc from 'fast-check';
import { domainToASCII } from 'node:url';
import { describe, expect, it } from 'vitest';
import { asciiDomain } from '../../src/smtp/address.js';

describe('envelope domains in A-label form', () => {
  it('gives what UTS #46 (domainToASCII) gives, lowercased, also for the names it skips it for', () => {
    const label = fc.oneof(fc.stringMatching(/^[a-zA-Z0-9-]{0,8}$/), fc.constantFrom('xn--', 'Xn--abc', '0x', '0X1f', '0xg', '123', '0', '', 'com'));
    const domain = fc.oneof(
      fc.array(label, { minLength: 1, maxLength: 5 }).map((labels) => labels.join('.')),
      fc.string({ unit: fc.constantFrom(...'aZ09-.xX'.split('')) }),
    );
    fc.assert(
      fc.property(domain, (name) => {
        expect(asciiDomain(name)).toBe(domainToASCII(name).toLowerCase());
      }),
      { numRuns: 20_000 },
    );
  });

  it('maps U-labels and keeps address literals', () => {
    expect(asciiDomain('CầnThơ.gov.vn')).toBe(`${domainToASCII('cầnthơ')}.gov.vn`);
    expect(asciiDomain('CầnThơ.gov.vn')).toMatch(/^xn--[a-z0-9-]+\.gov\.vn$/);
    expect(asciiDomain('Example.ORG')).toBe('example.org');
    expect(asciiDomain('[IPv6:2001:DB8::1]')).toBe('[ipv6:2001:db8::1]');
  });
});
