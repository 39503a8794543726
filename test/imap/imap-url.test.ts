/**
 * RFC 5092 IMAP URLs as CATENATE reads them (src/imap/imap-url.ts): the forms it takes, the ones it
 * refuses, and, fuzzed, that any string is either refused or read back as written.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseImapUrl } from '../../src/imap/imap-url.js';

describe('parseImapUrl', () => {
  it('reads relative and absolute URLs with UIDVALIDITY, SECTION and PARTIAL, keys in any case', () => {
    expect(parseImapUrl('/INBOX;UIDVALIDITY=385759045/;UID=20/;SECTION=1.2/;PARTIAL=0.1024')).toEqual({
      server: null,
      mailbox: 'INBOX',
      uidValidity: 385759045,
      uid: 20,
      section: '1.2',
      partial: { origin: 0, count: 1024 },
    });
    expect(parseImapUrl('imap://annv%40cantho.gov.vn;AUTH=*@Mail.Cantho.Gov.Vn:143/H%E1%BB%8Dp/2026/;uid=7/;section=HEADER.FIELDS%20(SUBJECT)')).toEqual({
      server: { user: 'annv@cantho.gov.vn', host: 'mail.cantho.gov.vn' },
      mailbox: 'Họp/2026',
      uidValidity: null,
      uid: 7,
      section: 'HEADER.FIELDS (SUBJECT)',
      partial: null,
    });
    expect(parseImapUrl('/Drafts/;UID=1/;PARTIAL=5')?.partial).toEqual({ origin: 5, count: Number.MAX_SAFE_INTEGER });
  });

  it.each([
    ['no UID', '/INBOX'],
    ['UID 0', '/INBOX/;UID=0'],
    ['not a path', 'INBOX/;UID=1'],
    ['URLAUTH', '/INBOX/;UID=1;URLAUTH=anonymous:internal:00'],
    ['a bad %-escape', '/IN%G0BOX/;UID=1'],
    ['%-encoded octets that are not UTF-8', '/%C3%28/;UID=1'],
    ['another scheme', 'http://mail.cantho.gov.vn/INBOX/;UID=1'],
    ['a search URL', '/INBOX?SUBJECT%20x'],
    ['a PARTIAL of length 0', '/INBOX/;UID=1/;PARTIAL=0.0'],
  ])('refuses %s', (_, url) => {
    expect(parseImapUrl(url)).toBeNull();
  });

  it('refuses or reads back what was written, for any input (fuzzed)', () => {
    const name = fc.stringMatching(/^[^;\u0000-\u001f]{1,12}$/);
    fc.assert(
      fc.property(name, fc.integer({ min: 1, max: 4294967295 }), fc.option(fc.integer({ min: 1, max: 4294967295 })), (mailbox, uid, uidValidity) => {
        const url = `/${encodeURIComponent(mailbox)}${uidValidity ? `;UIDVALIDITY=${uidValidity}` : ''}/;UID=${uid}`;
        expect(parseImapUrl(url)).toEqual({ server: null, mailbox, uidValidity: uidValidity ?? null, uid, section: null, partial: null });
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const url = parseImapUrl(text);
        if (url) expect(url.uid).toBeGreaterThan(0);
      }),
    );
  });
});
