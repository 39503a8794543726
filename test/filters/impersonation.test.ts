import { describe, expect, it } from 'vitest';
import { configFromObject } from '../../src/config/index.js';
import { createImpersonationFilter } from '../../src/filters/impersonation.js';
import { lookalikeChecker } from '../../src/filters/lookalike.js';
import { readMessage } from '../../src/filters/message.js';
import type { FilterContext } from '../../src/filters/verdict.js';

/**
 * The impersonation rule (src/filters/impersonation.ts, lookalike.ts): each trick a sender from
 * outside can play with From: is marked, ordinary outside mail and our own submissions are not.
 */

const config = configFromObject({});
const OURS = config.localDomains;
const NAMES = ['Nguyễn Văn An', 'Trần Thị Bình', 'Văn phòng UBND thành phố', 'An'];
const filter = createImpersonationFilter(config.spam, OURS, () => NAMES);

const INBOUND: FilterContext = { direction: 'inbound', remoteIp: '192.0.2.1', helo: 'mx.example.org', mailFrom: 'x@example.org', recipients: ['annv@cantho.gov.vn'], authenticatedAs: null };
const OUTBOUND: FilterContext = { ...INBOUND, direction: 'outbound', authenticatedAs: 'annv@cantho.gov.vn' };

async function verdictFor(from: string, context = INBOUND) {
  const raw = Buffer.from(`From: ${from}\r\nTo: annv@cantho.gov.vn\r\nSubject: Hop\r\n\r\nNoi dung.\r\n`);
  return (await filter.check(await filterMessage(raw), context, undefined as never)).verdict;
}

/** The impersonation filter reads only From: of the message's facts. */
async function filterMessage(raw: Buffer) {
  return { facts: { ...(await readMessage(raw)), bayesTokens: [], bodyFingerprint: null, textRuleHits: [] } };
}

const TRICKS: Record<string, string> = {
  'an official’s name': '"Nguyễn Văn An" <an.nguyen@gmail.example>',
  'the name without diacritics, in capitals': 'NGUYEN VAN AN <x@example.org>',
  'the name with a Cyrillic а': 'Nguyễn V\u0430n An <x@example.org>',
  'the name with a zero-width space': 'Trần Thị\u200b Bình <x@example.org>',
  'the name inside a longer display name': '"Nguyễn Văn An - UBND" <x@example.org>',
  'a unit’s name': '"Văn phòng UBND thành phố" <vanphong@example.org>',
  'the name as an encoded word': '=?UTF-8?B?' + Buffer.from('Trần Thị Bình').toString('base64') + '?= <x@example.org>',
  'our address as the display name': '"annv@cantho.gov.vn" <x@example.org>',
  'our domain run together in the display name': '"annv cantho gov vn" <x@example.org>',
  'our domain as the start of theirs': 'Phong Hanh chinh <hanhchinh@cantho.gov.vn.evil.example>',
  'a zero for an o': 'Ban tin <bantin@canth0.gov.vn>',
  'a Cyrillic а in the domain': 'Ban tin <bantin@c\u0430ntho.gov.vn>',
  'punycode of a Cyrillic look-alike': 'Ban tin <bantin@xn--cntho-4ve.gov.vn>',
  'a zero-width joiner in the domain': 'Ban tin <bantin@cant\u200dho.gov.vn>',
  'a hyphen for a dot': 'Ban tin <bantin@cantho-gov.vn>',
  'one letter dropped': 'Ban tin <bantin@canto.gov.vn>',
  'two letters swapped': 'Ban tin <bantin@cnatho.gov.vn>',
  'full-width letters': 'Ban tin <bantin@ｃａｎｔｈｏ.gov.vn>',
};

describe('impersonation from outside', () => {
  for (const [trick, from] of Object.entries(TRICKS)) {
    it(`marks ${trick}`, async () => {
      const verdict = await verdictFor(from);
      expect(verdict.reasons.map((r) => r.id)).toEqual(['impersonation']);
      expect(verdict.score).toBe(config.spam.impersonation_score);
      expect(verdict.subjectTag).toBe('[Thư từ bên ngoài]');
      expect(verdict.addHeaders.map(([name]) => name)).toEqual(['X-Impersonation']);
    });
  }

  it('marks a look-alike domain on every message from it, and leaves the next ordinary domain alone', async () => {
    const first = await verdictFor('Ban tin <bantin@canto.gov.vn>');
    expect(await verdictFor('Tin moi <tinmoi@canto.gov.vn>')).toEqual(first);
    expect((await verdictFor('Ban tin <bantin@canto.gov.vn>')).reasons.map((r) => r.description)).toEqual(['From: domain is a look-alike (canto.gov.vn is one letter away from cantho.gov.vn)']);
    expect((await verdictFor('Ban tin <bantin@example.org>')).reasons).toEqual([]);
  });

  it('leaves ordinary outside mail alone, a one-word name included', async () => {
    for (const from of ['John Smith <john@example.org>', 'An <an@example.org>', 'bantin@vnexpress.example', 'Nguyễn Văn Bốn <bon@example.org>', '"Cần Thơ Online" <tin@canthoonline.example>']) {
      expect((await verdictFor(from)).reasons, from).toEqual([]);
    }
  });

  it('leaves our own domain and its subdomains to the DMARC check, and submissions alone', async () => {
    const lookalikeOf = lookalikeChecker(OURS);
    expect(lookalikeOf('cantho.gov.vn')).toBeNull();
    expect(lookalikeOf('sotttt.cantho.gov.vn')).toBeNull();
    expect((await verdictFor('Nguyễn Văn An <annv@cantho.gov.vn>', OUTBOUND)).reasons).toEqual([]);
  });

  it('puts no tag when impersonation_tag is empty', async () => {
    const untagged = createImpersonationFilter({ ...config.spam, impersonation_tag: '' }, OURS, () => NAMES);
    const raw = Buffer.from('From: Ban tin <bantin@canth0.gov.vn>\r\nSubject: x\r\n\r\nx\r\n');
    const { verdict } = await untagged.check(await filterMessage(raw), INBOUND, undefined as never);
    expect(verdict.subjectTag).toBeNull();
    expect(verdict.score).toBe(config.spam.impersonation_score);
  });
});
